using System.Diagnostics;
using NUnit.Framework;
using ScriptableNN.Lua;

namespace ScriptableNN.Lua.Tests;

/// <summary>
/// string.find, match, gmatch and gsub run on the C# matcher (so budgets hold inside them):
/// every result is compared with Lua's own matcher, kept in the registry, over a corpus of
/// patterns and subjects, and a catastrophic pattern stops at the timeout.
/// </summary>
[TestFixture]
public class PatternTests
{
    // Compares the two matchers on every (subject, pattern) pair and returns the differences.
    private const string Compare = @"
local c = debug.getregistry()['snn.cstring']
if string.find == c.find or string.gsub == c.gsub then return { 'the string functions were not replaced' } end
local function pack(...) return { n = select('#', ...), ... } end
local function show(r)
  local parts = {}
  for i = 1, r.n do parts[i] = tostring(r[i]) end
  return table.concat(parts, '|')
end
local function same(a, b)
  if a[1] ~= b[1] then return false end
  if not a[1] then return true end            -- both failed: the messages may name other frames
  return show(a) == show(b)
end
local subjects = { '', 'a', 'hello world', '  trim me  ', 'key = value', 'a,b,,c', 'THE (quick) [brown] fox', '2024-11-26',
  'aaa', 'abcabcabc', 'x = 10, y = 20', 'f(a(b)c)d', 'THE END', 'tab\there', '%d%%', 'ünïcødé', '^caret$', 'a.b.c' }
local patterns = { 'a', '.', '%a+', '%d+', '(%d+)-(%d+)-(%d+)', '^%s*(.-)%s*$', '(%w+)%s*=%s*(%w+)', '[^,]*', '%b()', '%f[%a]%a+',
  '()ll()', '(a)%1', 'x*', 'a-b', 'a?b', '[%a_][%w_]*', '[]]', '[^%s]+', '%u+', '%p', '^abc', 'c$', '$', '^', '', '(h)(e)(l)',
  '[a-c]+', '%.', 'o', '[%-]', '(.)%1', '%x+', '%c', '%g+', '[^]]', '.-(%d)' , 'b*', '%S+' }
local bad = { '%', '[a', '(', ')', '%b', '%f', '(()', '%1', 'a)' }
local diffs = {}
local function check(what, a, b) if not same(a, b) then diffs[#diffs + 1] = what .. ': ' .. show(a) .. ' vs ' .. show(b) end end
local function gm(f, s, p, init)
  local out = {}
  local ok, err = pcall(function() for a, b, c in f(s, p, init) do out[#out + 1] = tostring(a) .. ',' .. tostring(b) .. ',' .. tostring(c); if #out > 100 then break end end end)
  if not ok then return { n = 1, false } end
  return { n = 2, true, table.concat(out, ';') }
end
local function cases(ps)
  for _, s in ipairs(subjects) do
    for _, p in ipairs(ps) do
      for _, init in ipairs({ 1, 2, -3, 0, 100 }) do
        check('find ' .. s .. ' ' .. p .. ' ' .. init, pack(pcall(string.find, s, p, init)), pack(pcall(c.find, s, p, init)))
        check('plain ' .. s .. ' ' .. p .. ' ' .. init, pack(pcall(string.find, s, p, init, true)), pack(pcall(c.find, s, p, init, true)))
        check('match ' .. s .. ' ' .. p .. ' ' .. init, pack(pcall(string.match, s, p, init)), pack(pcall(c.match, s, p, init)))
        check('gmatch ' .. s .. ' ' .. p .. ' ' .. init, gm(string.gmatch, s, p, init), gm(c.gmatch, s, p, init))
      end
      for _, repl in ipairs({ '<%0>', '%1', '%%', '', 'x', 7 }) do
        check('gsub ' .. s .. ' ' .. p .. ' ' .. tostring(repl), pack(pcall(string.gsub, s, p, repl)), pack(pcall(c.gsub, s, p, repl)))
        check('gsub1 ' .. s .. ' ' .. p .. ' ' .. tostring(repl), pack(pcall(string.gsub, s, p, repl, 1)), pack(pcall(c.gsub, s, p, repl, 1)))
      end
      local up = function(...) local t = { ... }; return (tostring(t[1]) or ''):upper() end
      check('gsubf ' .. s .. ' ' .. p, pack(pcall(string.gsub, s, p, up)), pack(pcall(c.gsub, s, p, up)))
      local keep = function() return nil end
      check('gsubnil ' .. s .. ' ' .. p, pack(pcall(string.gsub, s, p, keep)), pack(pcall(c.gsub, s, p, keep)))
      local t = setmetatable({}, { __index = function(_, k) return '[' .. tostring(k) .. ']' end })
      check('gsubt ' .. s .. ' ' .. p, pack(pcall(string.gsub, s, p, t)), pack(pcall(c.gsub, s, p, t)))
    end
  end
end
cases(patterns)
cases(bad)
check('number subject', pack(pcall(string.find, 12345, '3')), pack(pcall(c.find, 12345, '3')))
check('method', pack(pcall(function() return ('abc'):find('b') end)), pack(pcall(function() return c.find('abc', 'b') end)))
check('bad repl', pack(pcall(string.gsub, 'abc', '%w', {a = {}})), pack(pcall(c.gsub, 'abc', '%w', {a = {}})))
return diffs";

    [Test]
    public void EveryResultMatchesLuasOwnMatcher()
    {
        using var host = new LuaHost(new LuaHostOptions { Sandbox = false });
        var diffs = host.Run(Compare, "patterns")[0] as object?[] ?? Array.Empty<object?>();
        Assert.That(diffs, Is.Empty, string.Join("\n", diffs.Take(30)));
    }

    [TestCase("local s = string.rep('a', 5000); return s:find('.-.-.-.-.-.-.-b')")]
    [TestCase("local s = string.rep('a', 1e6); return s:find('.-b')")]
    [TestCase("local s = string.rep('a', 3000); return s:gsub('a-a-a-a-b', 'x')")]
    [TestCase("local s = string.rep('a', 3000); for w in s:gmatch('.-.-.-b') do end")]
    [TestCase("local s = string.rep('a', 3000); return pcall(string.match, s, '(.-)(.-)(.-)b')")]
    public void ACatastrophicPatternStopsAtTheTimeout(string code)
    {
        using var host = new LuaHost(new LuaHostOptions { Timeout = TimeSpan.FromMilliseconds(500) });
        var sw = Stopwatch.StartNew();
        var e = Assert.Throws<LuaBudgetException>(() => host.Run(code, "pattern"));
        Assert.That(e!.Message, Does.Contain("timeout"));
        Assert.That(sw.Elapsed.TotalSeconds, Is.LessThan(3));
        Assert.That(host.Run("return ('abc'):match('b')")[0], Is.EqualTo("b"));
    }

    [Test]
    public void PatternStepsCountTowardTheInstructionBudget()
    {
        using var host = new LuaHost(new LuaHostOptions { InstructionBudget = 50_000_000 });
        Assert.Throws<LuaBudgetException>(() => host.Run("local s = string.rep('a', 5000); return s:find('.-.-.-.-b')"));
    }
}
