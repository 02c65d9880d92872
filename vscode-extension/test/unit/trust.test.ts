import * as assert from "node:assert/strict";
import { test } from "node:test";

import { needsTrust, restrictedTitle } from "../../src/trust";

test("compile, benchmark and tune need a trusted workspace; preview does not", () => {
  assert.equal(needsTrust("rocm-lsp.compile"), true);
  assert.equal(needsTrust("rocm-lsp.benchmark"), true);
  assert.equal(needsTrust("rocm-lsp.tune"), true);
  assert.equal(needsTrust("rocm-lsp.preview"), false);
  assert.equal(needsTrust("rocm-lsp.status"), false);
});

test("restricted lens titles keep the action", () => {
  assert.equal(restrictedTitle("Compile"), "Compile (Restricted Mode)");
  assert.equal(restrictedTitle("Compile ✓ 128 regs (cached)"), "Compile (Restricted Mode)");
  assert.equal(restrictedTitle("Benchmark: 1.2 TB/s"), "Benchmark (Restricted Mode)");
  assert.equal(restrictedTitle("Tune: best BLOCK=256: 0.07 ms"), "Tune (Restricted Mode)");
});
