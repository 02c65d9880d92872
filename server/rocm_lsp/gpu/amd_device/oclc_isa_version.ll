; The ISA-version control of the ROCm device libraries (ocml/ockl read it to pick code paths),
; for a gfx target whose oclc_isa_version_NNN.bc the installed device libraries lack (ROCm 5.2
; predates gfx942, gfx950, gfx11xx and gfx12xx). rocm-lsp fills in the two @…@ fields and
; assembles it with the clang's own llvm-as into the user cache directory (gpu/amd_clang.py).
; @DATALAYOUT@: the compiler's amdgcn data layout; @VERSION@: major * 1000 + minor * 100 +
; stepping (gfx942 -> 9402, gfx90a -> 9010), as ROCm's own files hold it.
target datalayout = "@DATALAYOUT@"
target triple = "amdgcn-amd-amdhsa"

@__oclc_ISA_version = linkonce_odr protected local_unnamed_addr addrspace(4) constant i32 @VERSION@, align 4
