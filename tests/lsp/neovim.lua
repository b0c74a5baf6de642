-- Neovim (0.7+, headless) with its built-in LSP client: open a legacy file, wait for
-- wsmigrate's diagnostics, apply the WS002 quick fix, wait for the diagnostics to follow, save.
-- Run by tests/lsp.rs:  nvim --headless --clean -c "luafile tests/lsp/neovim.lua"
-- Environment: WSMIGRATE_BIN (the binary), WSMIGRATE_FILE (the file to edit).
-- Neovim 0.7 has no vim.lsp.start (0.8+): start_client + buf_attach_client work on both.

local function fail(message)
  io.stderr:write("neovim.lua: " .. message .. "\n")
  vim.cmd("cquit 1")
end

local file = os.getenv("WSMIGRATE_FILE")
vim.cmd("edit " .. vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = "wsmigrate",
  cmd = { os.getenv("WSMIGRATE_BIN"), "server" },
  root_dir = vim.fn.fnamemodify(file, ":p:h"),
})
if not client_id then
  fail("the server did not start")
end
vim.lsp.buf_attach_client(buf, client_id)

local function code_of(d)
  return d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
end

local function find(code)
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if code_of(d) == code then
      return d
    end
  end
end

if not vim.wait(30000, function() return find("WS002") ~= nil end, 20) then
  fail("no WS002 diagnostic from wsmigrate")
end
local d = find("WS002")
io.stdout:write("diagnostic: " .. code_of(d) .. " " .. d.message:gsub("\n.*", "") .. "\n")

local params = {
  textDocument = { uri = vim.uri_from_bufnr(buf) },
  range = {
    start = { line = d.lnum, character = d.col },
    ["end"] = { line = d.end_lnum, character = d.end_col },
  },
  context = { diagnostics = {}, only = { "quickfix" } },
}
local results = vim.lsp.buf_request_sync(buf, "textDocument/codeAction", params, 20000)
local applied = false
for _, response in pairs(results or {}) do
  for _, action in ipairs(response.result or {}) do
    if not applied and action.title:match("^WS002:") then
      io.stdout:write("applying: " .. action.title .. "\n")
      vim.lsp.util.apply_workspace_edit(action.edit, "utf-16")
      applied = true
    end
  end
end
if not applied then
  fail("no WS002 quick fix offered")
end

-- The edit goes back to the server as didChange; its diagnostics follow.
if not vim.wait(30000, function() return find("WS002") == nil and find("WS101") ~= nil end, 20) then
  fail("diagnostics did not follow the fix")
end
vim.cmd("write")
vim.cmd("qall!")
