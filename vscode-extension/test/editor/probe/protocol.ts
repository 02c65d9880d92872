// What the test probe (probe/extension.ts) answers, as plain JSON: shared with the tests that call it.

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface Diagnostic {
  code: string | null;
  message: string;
  severity: number;
  range: Range;
}

/** One answer of `codeActions` (vscode.executeCodeActionProvider); `apply` names it by `index`. */
export interface Action {
  index: number;
  title: string;
  kind: string | null;
  isPreferred: boolean;
  hasEdit: boolean;
  command: string | null;
}
