namespace Cac.Serialization;

/// <summary>
/// Parses the header of a .npy file: the Python dict literal <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3), }</c>
/// followed only by whitespace. Strict: exactly the keys 'descr' (a string), 'fortran_order' (True or False) and 'shape'
/// (a tuple of non-negative integers that fit in Int32; "()" for a scalar, "(3,)" for one axis), each once, in any order,
/// with single- or double-quoted strings and an optional trailing comma. Integers may carry the "L" suffix of files
/// written by Python 2. Anything else is reported through the caller's error factory.
/// </summary>
internal sealed class NpyHeader
{
    private readonly string _text;
    private readonly Func<string, Exception> _error;
    private int _pos;

    private NpyHeader(string text, Func<string, Exception> error)
    {
        _text = text;
        _error = error;
    }

    /// <summary>The dtype descriptor, the fortran_order flag and the shape of <paramref name="header"/>.</summary>
    public static (string Descr, bool FortranOrder, int[] Shape) Parse(string header, Func<string, Exception> error) =>
        new NpyHeader(header, error).ParseDict();

    private (string, bool, int[]) ParseDict()
    {
        string? descr = null;
        bool? fortran = null;
        int[]? shape = null;
        SkipSpace();
        Expect('{', "the header is not a Python dict literal (it must start with '{')");
        SkipSpace();
        while (!TryTake('}'))
        {
            string key = ParseString("a dict key");
            SkipSpace();
            Expect(':', $"expected ':' after the key '{key}'");
            SkipSpace();
            switch (key)
            {
                case "descr":
                    if (descr is not null) throw Malformed("the key 'descr' appears twice");
                    if (Peek() is '[' or '{') throw Malformed("'descr' is a list or dict (a structured dtype), which is not supported");
                    descr = ParseString("the 'descr' value");
                    break;
                case "fortran_order":
                    if (fortran is not null) throw Malformed("the key 'fortran_order' appears twice");
                    fortran = ParseBool();
                    break;
                case "shape":
                    if (shape is not null) throw Malformed("the key 'shape' appears twice");
                    shape = ParseShape();
                    break;
                default:
                    throw Malformed($"unexpected key '{key}' (the header has exactly 'descr', 'fortran_order' and 'shape')");
            }
            SkipSpace();
            if (TryTake(',')) { SkipSpace(); continue; }
            Expect('}', "expected ',' or '}' after a dict entry");
            break;
        }
        SkipSpace();
        if (_pos != _text.Length) throw Malformed($"unexpected text after the dict at offset {_pos}");
        if (descr is null) throw Malformed("the key 'descr' is missing");
        if (fortran is null) throw Malformed("the key 'fortran_order' is missing");
        if (shape is null) throw Malformed("the key 'shape' is missing");
        return (descr, fortran.Value, shape);
    }

    private string ParseString(string what)
    {
        char quote = Peek();
        if (quote is not ('\'' or '"')) throw Malformed($"{what} is not a quoted string (at offset {_pos})");
        int start = ++_pos;
        while (_pos < _text.Length && _text[_pos] != quote)
        {
            if (_text[_pos] is '\\' or '\n') throw Malformed($"{what} contains an escape or a newline, which a dtype header never has");
            _pos++;
        }
        if (_pos == _text.Length) throw Malformed($"{what} has no closing quote");
        return _text[start.._pos++];
    }

    private bool ParseBool()
    {
        if (TryWord("True")) return true;
        if (TryWord("False")) return false;
        throw Malformed($"'fortran_order' must be True or False (at offset {_pos})");
    }

    // A Python tuple of integers: (), (n,), (a, b), (a, b,).
    private int[] ParseShape()
    {
        Expect('(', "'shape' is not a tuple");
        var dims = new List<int>();
        SkipSpace();
        bool comma = false;
        while (!TryTake(')'))
        {
            dims.Add(ParseDim());
            SkipSpace();
            comma = TryTake(',');
            SkipSpace();
            if (!comma)
            {
                Expect(')', "expected ',' or ')' in 'shape'");
                break;
            }
        }
        if (dims.Count == 1 && !comma) throw Malformed("'shape' (n) is an integer in parentheses, not a tuple; a one-axis shape is written (n,)");
        if (dims.Count > 64) throw Malformed($"'shape' has {dims.Count} axes (at most 64 are supported)");
        return [.. dims];
    }

    private int ParseDim()
    {
        bool negative = TryTake('-');
        int start = _pos;
        while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos])) _pos++;
        if (_pos == start) throw Malformed($"'shape' holds something other than an integer (at offset {start})");
        string digits = _text[start.._pos];
        TryTake('L');
        if (negative) throw Malformed($"'shape' has a negative extent -{digits}");
        if (!int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int value))
            throw Malformed($"'shape' extent {digits} does not fit in a 32-bit integer");
        return value;
    }

    private bool TryWord(string word)
    {
        if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) != 0) return false;
        int end = _pos + word.Length;
        if (end < _text.Length && (char.IsAsciiLetterOrDigit(_text[end]) || _text[end] == '_')) return false;
        _pos = end;
        return true;
    }

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private bool TryTake(char c)
    {
        if (Peek() != c || _pos >= _text.Length) return false;
        _pos++;
        return true;
    }

    private void Expect(char c, string problem)
    {
        if (!TryTake(c)) throw Malformed(problem);
    }

    private void SkipSpace()
    {
        while (_pos < _text.Length && _text[_pos] is ' ' or '\t' or '\n' or '\r') _pos++;
    }

    private Exception Malformed(string problem) => _error("malformed header: " + problem);
}
