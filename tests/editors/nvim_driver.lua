-- Drives a real Neovim (0.7 to 0.12) configured by one of the README's snippets: opens
-- templates as a user would (:edit), then records what Neovim itself holds (vim.diagnostic,
-- answers to hover and workspace/executeCommand, buffer text after a quick fix or a rename) as
-- JSON for tests/editors/test_neovim.py.
-- Config: the JSON file named by $ROCM_LSP_NVIM_CONFIG ({bad, clean, broken, out, fixes, renames,
-- torch_module, torch_class, torch_choice, torch_line, torch_planted}).
-- Every step records its own error, so one failure does not hide the others.

local config = vim.fn.json_decode(table.concat(vim.fn.readfile(vim.env.ROCM_LSP_NVIM_CONFIG), "\n"))
local results = { errors = vim.empty_dict(), ms = vim.empty_dict(), fixes = vim.empty_dict(), renames = vim.empty_dict() }
local WAIT_MS = 20000 -- attach, analysis
local COMPILE_MS = 30000 -- nvcc
local RENDER_MS = 60000 -- a worker that imports torch and renders one template class
local FINDING_MS = 5000 -- a pushed finding after the command answered
local SETTLE_MS = 300 -- time for a stray second push or pull to arrive
local deadline = vim.loop.now() + 150000 -- all waits together: a stuck server fails fast

local function budget(ms)
  return math.max(0, math.min(ms, deadline - vim.loop.now()))
end

local function all_clients()
  if vim.lsp.get_clients then
    return vim.lsp.get_clients()
  end
  return vim.lsp.get_active_clients()
end

local function buf_clients(bufnr)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = bufnr })
  end
  local list = {}
  for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
    table.insert(list, client)
  end
  return list
end

local function wait(ms, what, condition)
  local allowed = budget(ms)
  if not vim.wait(allowed, condition, 20) then
    error("timed out after " .. allowed .. " ms waiting for " .. what)
  end
end

-- :edit the file (the README's autocmd starts or attaches the server) and wait until an
-- initialized client is attached.
local function open(path)
  vim.cmd("edit " .. vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  wait(WAIT_MS, "rocm-lsp to attach to " .. path, function()
    local clients = buf_clients(bufnr)
    return #clients > 0 and clients[1].initialized == true
  end)
  return bufnr
end

local function diagnostics(bufnr)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(found, {
      code = d.code,
      severity = d.severity,
      lnum = d.lnum,
      col = d.col,
      end_lnum = d.end_lnum,
      end_col = d.end_col,
      message = d.message,
    })
  end
  return found
end

-- The one answer to a request (the answer's error is `err` from 0.10, `error` before).
local function request(bufnr, method, params, ms)
  local answers, err = vim.lsp.buf_request_sync(bufnr, method, params, budget(ms))
  if answers == nil then
    error(method .. ": no answer: " .. tostring(err))
  end
  local list = {}
  for _, answer in pairs(answers) do
    table.insert(list, answer)
  end
  if #list ~= 1 then
    error(method .. ": " .. #list .. " answers")
  end
  local failure = list[1].err or list[1].error
  if failure then
    error(method .. ": " .. vim.inspect(failure))
  end
  return list[1].result
end

local function line_of(bufnr, needle)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    local col = line:find(needle, 1, true)
    if col then
      return i - 1, col - 1
    end
  end
  error(needle .. " not found")
end

local function step(name, fn)
  local start = vim.loop.hrtime()
  local ok, err = pcall(fn)
  results.ms[name] = math.floor((vim.loop.hrtime() - start) / 1e6)
  if not ok then
    results.errors[name] = tostring(err)
  end
end

local function read(path)
  local file = assert(io.open(path, "rb"))
  local text = file:read("*a")
  file:close()
  return text
end

local function pulls()
  return vim.lsp.protocol.make_client_capabilities().textDocument.diagnostic ~= nil
end

-- a. diagnostics of a template with planted mistakes, as Neovim shows them
step("analysis", function()
  local bufnr = open(config.bad)
  wait(WAIT_MS, "diagnostics of " .. config.bad, function()
    return #vim.diagnostic.get(bufnr) > 0
  end)
  vim.wait(SETTLE_MS)
  results.analysis = diagnostics(bufnr)
end)

-- b. hover on def_kernel; c. the Preview command and the file it writes
step("hover", function()
  local bufnr = open(config.clean)
  local line, col = line_of(bufnr, "kernel.def_kernel(")
  local hover = request(bufnr, "textDocument/hover", {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = line, character = col + #"kernel." },
  }, WAIT_MS)
  results.hover = hover and hover.contents or vim.NIL
end)

step("preview", function()
  local bufnr = open(config.clean)
  local uri = request(bufnr, "workspace/executeCommand", {
    command = "rocm-lsp.preview",
    arguments = { vim.uri_from_bufnr(bufnr) },
  }, WAIT_MS)
  results.preview = { uri = uri, text = read(vim.uri_to_fname(uri)) }
end)

-- d. Compile a template with a C++ error: the compiler's finding reaches vim.diagnostic
-- without an edit, beside the analysis's (pulled on 0.10+, pushed on 0.7), once each.
step("compile", function()
  local bufnr = open(config.broken)
  wait(WAIT_MS, "the analysis's diagnostics of " .. config.broken, function()
    return #vim.diagnostic.get(bufnr) > 0
  end)
  results.compile_summary = request(bufnr, "workspace/executeCommand", {
    command = "rocm-lsp.compile",
    arguments = { vim.uri_from_bufnr(bufnr) },
  }, COMPILE_MS)
  wait(FINDING_MS, "the compiler's RL401 in vim.diagnostic", function()
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if d.code == "RL401" then
        return true
      end
    end
    return false
  end)
  if pulls() then
    -- pull again, as Neovim does on its next pull: the compiler's finding must not come twice
    local pulled = false
    vim.lsp.buf_request(bufnr, "textDocument/diagnostic", {
      textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    }, function(err, result, ctx, cfg)
      vim.lsp.diagnostic.on_diagnostic(err, result, ctx, cfg)
      pulled = true
    end)
    wait(WAIT_MS, "a second pull", function()
      return pulled
    end)
  end
  vim.wait(SETTLE_MS)
  results.compiled = diagnostics(bufnr)
end)

-- The buffer's text as it would be written (the last line's newline included).
local function buffer_text(bufnr)
  local text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), "\n")
  if vim.bo[bufnr].eol then
    text = text .. "\n"
  end
  return text
end

local function first_client(bufnr)
  return buf_clients(bufnr)[1]
end

local function codes(bufnr)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(found, d.code)
  end
  return found
end

local function has_code(bufnr, code)
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.code == code then
      return d
    end
  end
  return nil
end

-- The LSP diagnostics of a line, as vim.lsp.buf.code_action sends them in its context.
local function line_diagnostics(bufnr, lnum)
  if vim.lsp.diagnostic.from then -- 0.10+
    return vim.lsp.diagnostic.from(vim.diagnostic.get(bufnr, { lnum = lnum }))
  end
  return vim.lsp.diagnostic.get_line_diagnostics(bufnr, lnum) -- 0.7
end

-- A workspace edit applied as vim.lsp.buf.code_action / vim.lsp.buf.rename apply it.
local function apply(bufnr, edit)
  vim.lsp.util.apply_workspace_edit(edit, first_client(bufnr).offset_encoding)
end

-- e. Quick fixes: the cursor on the finding, the code actions there as vim.lsp.buf.code_action
-- asks for them (the cursor's range, the line's diagnostics as context), the preferred one's edit
-- applied; then the buffer's text, and the findings once the finding has gone (or the wait ended).
for _, case in ipairs(config.fixes) do
  step("fix:" .. case.name, function()
    local bufnr = open(case.path)
    local finding
    wait(WAIT_MS, case.code .. " in vim.diagnostic of " .. case.path, function()
      finding = has_code(bufnr, case.code)
      return finding ~= nil
    end)
    local record = { actions = {} }
    results.fixes[case.name] = record
    vim.api.nvim_win_set_cursor(0, { finding.lnum + 1, finding.col })
    local params = vim.lsp.util.make_range_params(0, first_client(bufnr).offset_encoding)
    params.context = { diagnostics = line_diagnostics(bufnr, finding.lnum) }
    local actions = request(bufnr, "textDocument/codeAction", params, WAIT_MS)
    if actions == nil or actions == vim.NIL then
      actions = {}
    end
    local preferred = {}
    for _, action in ipairs(actions) do
      local linked = {}
      for _, d in ipairs(action.diagnostics or {}) do
        table.insert(linked, d.code)
      end
      table.insert(record.actions, {
        title = action.title,
        kind = action.kind or vim.NIL,
        preferred = action.isPreferred == true,
        diagnostics = linked,
      })
      if action.isPreferred then
        table.insert(preferred, action)
      end
    end
    if #preferred ~= 1 then
      error(#preferred .. " preferred actions")
    end
    local action = preferred[1]
    if action.edit == nil and action.data ~= nil then
      action = request(bufnr, "codeAction/resolve", action, WAIT_MS)
    end
    if action.edit == nil then
      error("the preferred action has no edit: " .. vim.inspect(action))
    end
    apply(bufnr, action.edit)
    record.text = buffer_text(bufnr)
    vim.wait(budget(WAIT_MS), function()
      return has_code(bufnr, case.code) == nil
    end, 20)
    record.after = codes(bufnr)
  end)
end

-- f. Rename at a cursor: prepareRename where the server offers it (vim.lsp.buf.rename asks it
-- first), then textDocument/rename, its edit applied; the buffer's text.
for _, case in ipairs(config.renames) do
  step("rename:" .. case.name, function()
    local bufnr = open(case.path)
    local record = {}
    results.renames[case.name] = record
    local position = { line = case.line, character = case.character }
    local document = { uri = vim.uri_from_bufnr(bufnr) }
    local provider = first_client(bufnr).server_capabilities.renameProvider
    if type(provider) == "table" and provider.prepareProvider then
      record.prepared = request(bufnr, "textDocument/prepareRename", {
        textDocument = document,
        position = position,
      }, WAIT_MS)
      if record.prepared == nil then
        record.prepared = vim.NIL
      end
    end
    local edit = request(bufnr, "textDocument/rename", {
      textDocument = document,
      position = position,
      newName = case.new_name,
    }, WAIT_MS)
    if edit == nil then
      error("textDocument/rename: no edit")
    end
    apply(bufnr, edit)
    record.text = buffer_text(bufnr)
  end)
end

-- g. Preview C++ with torch on a copy of torch's CK-tile module (the snippets' `python3` is the
-- Python with torch): the lenses, the choices, one choice's file; an edit to the template string
-- saved with :write renders again; a planted mistake, saved, is RL408 on its line.
local function set_line(bufnr, needle, text)
  local row = line_of(bufnr, needle)
  local indent = vim.api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1]:match("^%s*")
  vim.api.nvim_buf_set_lines(bufnr, row, row + 1, false, { indent .. text })
  vim.cmd("write")
end

if config.torch_module then
  step("torch_preview", function()
    local bufnr = open(config.torch_module)
    local uri = vim.uri_from_bufnr(bufnr)
    local record = { lenses = {} }
    results.torch = record
    for _, lens in ipairs(request(bufnr, "textDocument/codeLens", { textDocument = { uri = uri } }, WAIT_MS) or {}) do
      if lens.command then
        table.insert(record.lenses, { title = lens.command.title, line = lens.range.start.line })
      end
    end
    local choices = request(bufnr, "workspace/executeCommand", {
      command = "rocm-lsp.torchChoices",
      arguments = { uri, config.torch_class },
    }, RENDER_MS)
    record.choices = {}
    for _, choice in ipairs(choices) do
      table.insert(record.choices, choice.name)
    end
    record.summary = request(bufnr, "workspace/executeCommand", {
      command = "rocm-lsp.previewWithTorch",
      arguments = { uri, config.torch_class, config.torch_choice },
    }, RENDER_MS)
    local preview = record.summary:match(" in (.*)$")
    record.text = read(preview)
    set_line(bufnr, config.torch_line, config.torch_line .. " // edited")
    wait(RENDER_MS, "the preview rendered again after :write", function()
      return read(preview):find(config.torch_line .. " // edited", 1, true) ~= nil
    end)
    record.edited = read(preview)
    set_line(bufnr, config.torch_line .. " // edited", config.torch_planted)
    wait(RENDER_MS, "RL408 in vim.diagnostic after :write", function()
      return has_code(bufnr, "RL408") ~= nil
    end)
    vim.wait(SETTLE_MS)
    record.findings = {}
    for _, d in ipairs(diagnostics(bufnr)) do
      if d.code == "RL408" then
        table.insert(record.findings, d)
      end
    end
  end)
end

step("clients", function()
  results.clients = {}
  for _, client in ipairs(all_clients()) do
    table.insert(results.clients, {
      name = client.name,
      root_dir = client.config.root_dir or vim.NIL,
      pull_provider = client.server_capabilities.diagnosticProvider ~= nil,
    })
  end
  local caps = vim.lsp.protocol.make_client_capabilities()
  local workspace_diagnostics = caps.workspace and caps.workspace.diagnostics
  results.client_pulls = pulls()
  results.client_refreshes = workspace_diagnostics ~= nil and workspace_diagnostics.refreshSupport == true
  results.version = tostring(vim.version().major) .. "." .. tostring(vim.version().minor)
end)

vim.fn.writefile({ vim.fn.json_encode(results) }, config.out)
vim.cmd("qall!")
