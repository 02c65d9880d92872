// The TextMate grammar, tokenized as VS Code does (vscode-textmate + oniguruma), with a small
// stand-in for VS Code's C++ grammar (a block rule, so Jinja is checked inside nested C++).
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { before, test } from "node:test";

import * as oniguruma from "vscode-oniguruma";
import * as textmate from "vscode-textmate";

const ROOT = path.resolve(__dirname, "../../..");
const CPP_STANDIN = {
  scopeName: "source.cpp",
  patterns: [
    { name: "comment.line.double-slash.cpp", match: "//.*$" },
    { name: "meta.block.cpp", begin: "\\{", end: "\\}", patterns: [{ include: "$self" }] },
    { name: "string.quoted.double.cpp", begin: '"', end: '"' },
    { name: "keyword.control.directive.include.cpp", match: "#include" },
    { name: "storage.type.cpp", match: "\\b(int|const|half|int64_t)\\b" },
  ],
};

let grammar: textmate.IGrammar;

before(async () => {
  const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName: string) => {
      if (scopeName === "source.cpp") {
        return textmate.parseRawGrammar(JSON.stringify(CPP_STANDIN), "cpp.json");
      }
      const file = path.join(ROOT, "syntaxes/hip-jinja.tmLanguage.json");
      return textmate.parseRawGrammar(readFileSync(file, "utf8"), file);
    },
  });
  const loaded = await registry.loadGrammar("source.hip.jinja");
  assert.ok(loaded);
  grammar = loaded;
});

/** Each non-blank token's text and its innermost scopes, line by line. */
function tokenize(text: string): Array<[string, string[]]> {
  let state = textmate.INITIAL;
  const out: Array<[string, string[]]> = [];
  for (const line of text.split("\n")) {
    const result = grammar.tokenizeLine(line, state);
    for (const token of result.tokens) {
      const piece = line.slice(token.startIndex, token.endIndex);
      if (piece.trim() !== "") {
        out.push([piece.trim(), token.scopes]);
      }
    }
    state = result.ruleStack;
  }
  return out;
}

function scopesOf(tokens: Array<[string, string[]]>, piece: string): string[] {
  const found = tokens.find(([text]) => text === piece);
  assert.ok(found, `no token ${JSON.stringify(piece)} in ${JSON.stringify(tokens.map(([t]) => t))}`);
  return found[1];
}

const TEMPLATE = `{#- rocm-lsp
profile = "seed"   # which Inductor
[nodes]
X = { dtype = "float16", size = ["s0", 64] }
[shapes]
s0 = 4096
-#}
#include <hip/hip_runtime.h>
{# a Jinja comment #}
{%- set M = kernel.size(X, 0) %}
extern "C" {
{{kernel.def_kernel(inputs=[X], outputs=[], names_str="X")}} {
  const int64_t M = {{M}};
}
}
`;

test("the header is TOML", () => {
  const tokens = tokenize(TEMPLATE);
  assert.ok(scopesOf(tokens, "rocm-lsp").includes("keyword.other.header.rocm-lsp"));
  assert.ok(scopesOf(tokens, "profile").includes("variable.other.key.toml"));
  assert.ok(scopesOf(tokens, "seed").includes("string.quoted.single.basic.line.toml"));
  assert.ok(scopesOf(tokens, "which Inductor").includes("comment.line.number-sign.toml"));
  assert.ok(scopesOf(tokens, "nodes").includes("entity.name.section.toml"));
  assert.ok(scopesOf(tokens, "4096").includes("constant.numeric.float.toml"));
  assert.ok(scopesOf(tokens, "dtype").every((s) => !s.includes("source.cpp")));
  assert.ok(scopesOf(tokens, "-#}").includes("punctuation.definition.comment.end.jinja"));
});

test("Jinja in C++, also inside C++ blocks", () => {
  const tokens = tokenize(TEMPLATE);
  assert.ok(scopesOf(tokens, "#include").includes("keyword.control.directive.include.cpp"));
  assert.ok(scopesOf(tokens, "a Jinja comment").includes("comment.block.jinja"));
  assert.ok(scopesOf(tokens, "set").includes("keyword.control.jinja"));
  const defKernel = scopesOf(tokens, "def_kernel");
  assert.ok(defKernel.includes("entity.name.function.jinja"));
  assert.ok(defKernel.includes("meta.block.cpp"), "the def_kernel call sits in extern \"C\" { ... }");
  assert.ok(scopesOf(tokens, "kernel").includes("variable.language.kernel.jinja"));
  assert.ok(scopesOf(tokens, "names_str").includes("variable.parameter.keyword-argument.jinja"));
  const afterNamesStr = tokens.slice(tokens.findIndex(([t]) => t === "names_str"));
  assert.ok(afterNamesStr.find(([t]) => t === "X")?.[1].includes("string.quoted.double.jinja"));
  const m = tokenize("{\n  x = {{M}};\n}");
  assert.ok(scopesOf(m, "M").includes("meta.embedded.expression.jinja"));
  assert.ok(scopesOf(m, "{{").includes("punctuation.section.embedded.begin.jinja"));
});

test("a Jinja comment that is not the header stays a comment", () => {
  const tokens = tokenize("{#- not a header: profile = 1 -#}\nint x;");
  assert.ok(scopesOf(tokens, "{#-").includes("punctuation.definition.comment.begin.jinja"));
  assert.ok(tokenize("{#- rocm-lsp\n-#}")[0][1].includes("meta.embedded.block.toml"));
});
