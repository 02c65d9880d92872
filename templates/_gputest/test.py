import ctypes, json, sys, torch, triton
from ctypes import c_void_p, c_long, c_size_t, byref
torch.manual_seed(0)
meta = json.load(open("variants.json"))
dev = "cuda"
print(torch.__version__, torch.cuda.get_device_name())
ok_all = True
def call(lib, X, W, B, Y, M, ws=None, stream=None):
    args = [c_void_p(X.data_ptr() if X is not None else 0), c_void_p(W.data_ptr() if W is not None else 0)]
    if B is not False:
        args.append(c_void_p(B.data_ptr() if B is not None else 0))
    args += [c_void_p(Y.data_ptr() if Y is not None else 0), c_long(M), ws, None,
             c_void_p(torch.cuda.current_stream().cuda_stream if stream is None else stream)]
    return lib.gemm_bias_fp16(*args)
for name, m in meta.items():
    lib = ctypes.CDLL(f"./{name}.so"); lib.gemm_bias_fp16.restype = ctypes.c_int
    K, N = m["K"], m["N"]
    has_bias = m["bias"] != "none"
    ws = c_size_t(12345)
    rc = call(lib, None, None, None if has_bias else False, None, 4096, byref(ws), 0)
    assert rc == 0 and ws.value == 0, (rc, ws.value)
    for M in ([4096, 1000, 1, 0] if K == 4096 else [257, 1, 300]):
        for misalign in ([False, True] if name in ("main", "odd_vec") else [False]):
            if misalign:
                X = torch.randn(M * K + 1, device=dev, dtype=torch.half)[1:].view(M, K)
            else:
                X = torch.randn(M, K, device=dev, dtype=torch.half)
            W = (torch.randn(N, K, device=dev, dtype=torch.half).t() if m["wcol"]
                 else torch.randn(K, N, device=dev, dtype=torch.half))
            B = {"1d": lambda: torch.randn(N, device=dev, dtype=torch.half),
                 "bcast": lambda: torch.randn(N, device=dev, dtype=torch.half).expand(M, N),
                 "full": lambda: torch.randn(M, N, device=dev, dtype=torch.half),
                 "none": lambda: False}[m["bias"]]()
            Y = torch.full((M, N), float("nan"), device=dev, dtype=torch.half)
            rc = call(lib, X, W, B, Y, M)
            torch.cuda.synchronize()
            ref32 = X.float() @ W.float() + (B.float() if B is not False else 0)
            ref = X @ W + (B if B is not False else 0)
            err32 = (Y.float() - ref32).abs().max().item() if M else 0.0
            close = torch.allclose(Y, ref, rtol=1e-2, atol=5e-2)
            ok = rc == 0 and close and not Y.isnan().any().item()
            ok_all &= ok
            print(f"{name:16s} M={M:5d} K={K} N={N} misalign={misalign!s:5} rc={rc} maxerr_vs_fp32ref={err32:.4g} allclose={close} {'OK' if ok else 'FAIL'}")
    if K == 4096:
        M = 4096
        X = torch.randn(M, K, device=dev, dtype=torch.half)
        W = (torch.randn(N, K, device=dev, dtype=torch.half).t() if m["wcol"] else torch.randn(K, N, device=dev, dtype=torch.half))
        B = torch.randn(N, device=dev, dtype=torch.half) if has_bias else False
        Y = torch.empty(M, N, device=dev, dtype=torch.half)
        t = triton.testing.do_bench(lambda: call(lib, X, W, B, Y, M), return_mode="median", rep=300)
        tr = triton.testing.do_bench(lambda: torch.addmm(B, X, W) if has_bias else X @ W, return_mode="median", rep=300)
        fl = 2 * M * N * K
        print(f"  timing {name}: template {t*1e3:.1f} us = {fl/t/1e9:.1f} TFLOP/s; torch {'addmm' if has_bias else 'mm'} {tr*1e3:.1f} us = {fl/tr/1e9:.1f} TFLOP/s")
print("ALL OK" if ok_all else "SOME FAILED")
