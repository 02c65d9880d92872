import * as assert from "node:assert/strict";
import { test } from "node:test";

import { serverOptions } from "../../src/settings";

function reader(values: Record<string, unknown>) {
  return (key: string) => values[key];
}

test("defaults give the server's defaults", () => {
  assert.deepEqual(serverOptions(reader({ profile: "", "diagnostics.select": [], "diagnostics.ignore": [], "diagnostics.severity": {} })), {
    profile: null,
    select: [],
    ignore: [],
    severity: {},
  });
});

test("diagnostics.* are flattened and program settings pass through", () => {
  const options = serverOptions(
    reader({
      profile: "rocm-2.13",
      "diagnostics.select": ["RL2", " "],
      "diagnostics.ignore": "RL214, RL101",
      "diagnostics.severity": { RL214: "info", RL201: 3 },
      interpreter: "/ignored/when/resolved",
      benchmarkInterpreter: " /opt/torch/bin/python ",
      compiler: "nvcc",
      arch: "",
      installSource: "/src/rocm-lsp",
      "trace.server": "verbose",
    }),
    "/home/dev/project/.venv/bin/python",
  );
  assert.deepEqual(options, {
    profile: "rocm-2.13",
    select: ["RL2"],
    ignore: ["RL214", "RL101"],
    severity: { RL214: "info" },
    interpreter: "/home/dev/project/.venv/bin/python",
    benchmarkInterpreter: "/opt/torch/bin/python",
    compiler: "nvcc",
  });
});

test("wrong types become empty values, never an exception", () => {
  assert.deepEqual(serverOptions(reader({ profile: 3, "diagnostics.select": { a: 1 }, "diagnostics.severity": ["RL1"] })), {
    profile: null,
    select: [],
    ignore: [],
    severity: {},
  });
});

test("timeouts pass through when positive; 0 and junk leave the server's default", () => {
  const base = { profile: "", "diagnostics.select": [], "diagnostics.ignore": [], "diagnostics.severity": {} };
  assert.deepEqual(serverOptions(reader({ ...base, compileTimeout: 30, benchmarkTimeout: 600 })), {
    profile: null,
    select: [],
    ignore: [],
    severity: {},
    compileTimeout: 30,
    benchmarkTimeout: 600,
  });
  const ignored = serverOptions(reader({ ...base, compileTimeout: 0, benchmarkTimeout: "10" }));
  assert.equal("compileTimeout" in ignored || "benchmarkTimeout" in ignored, false);
});

test("the sweep's settings pass through; defaults and junk are left out", () => {
  const base = { profile: "", "diagnostics.select": [], "diagnostics.ignore": [], "diagnostics.severity": {} };
  assert.deepEqual(serverOptions(reader({ ...base, inductor: "max-autotune", benchmarkDevices: [0, 3, -1, 1.5], tuneMaxConfigurations: 16 })), {
    profile: null,
    select: [],
    ignore: [],
    severity: {},
    inductor: "max-autotune",
    benchmarkDevices: [0, 3],
    tuneMaxConfigurations: 16,
  });
  const ignored = serverOptions(reader({ ...base, inductor: "", benchmarkDevices: [], tuneMaxConfigurations: 0 }));
  assert.deepEqual(Object.keys(ignored).sort(), ["ignore", "profile", "select", "severity"]);
});
