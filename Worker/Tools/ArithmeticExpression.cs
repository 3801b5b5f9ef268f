using System.Globalization;

namespace AppSyncChat.Worker.Tools;

/// <summary>
/// A small, safe arithmetic evaluator (recursive descent; no eval, no reflection, no variables). Grammar:
/// <code>
/// expr   := term (('+' | '-') term)*
/// term   := unary (('*' | '/' | '%') unary)*
/// unary  := ('+' | '-') unary | power
/// power  := atom ('^' unary)?            (right-associative; -2^2 = -4)
/// atom   := number | constant | function '(' expr ')' | '(' expr ')'
/// </code>
/// Numbers are decimal with an optional exponent; constants <c>pi</c>, <c>e</c>; functions <c>sqrt abs
/// round floor ceil ln log10</c>. Bounded: 1,000 characters, nesting depth 64; every error is an
/// <see cref="ArithmeticException"/> with a message that says where.
/// </summary>
public static class ArithmeticExpression
{
    public const int MaxLength = 1000;
    public const int MaxDepth = 64;

    public static double Evaluate(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        if (expression.Length > MaxLength)
        {
            throw new ArithmeticException($"The expression is longer than {MaxLength} characters.");
        }

        var parser = new Parser(expression);
        var value = parser.ParseExpression(0);
        parser.SkipSpaces();
        if (!parser.AtEnd)
        {
            throw new ArithmeticException($"Unexpected '{parser.Current}' at position {parser.Position + 1}.");
        }

        return double.IsFinite(value) ? value : throw new ArithmeticException("The result is not a finite number.");
    }

    /// <summary>The value as the tool returns it: shortest round-trip form, invariant culture.</summary>
    public static string Format(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < 1e15
            ? ((long)value).ToString(CultureInfo.InvariantCulture)
            : value.ToString("R", CultureInfo.InvariantCulture);

    private ref struct Parser(string text)
    {
        private readonly string _text = text;
        private int _pos;

        public readonly bool AtEnd => _pos >= _text.Length;

        public readonly char Current => _text[_pos];

        public readonly int Position => _pos;

        public void SkipSpaces()
        {
            while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos]))
            {
                _pos++;
            }
        }

        public double ParseExpression(int depth)
        {
            Guard(depth);
            var value = ParseTerm(depth);
            while (true)
            {
                SkipSpaces();
                if (Accept('+'))
                {
                    value += ParseTerm(depth);
                }
                else if (Accept('-'))
                {
                    value -= ParseTerm(depth);
                }
                else
                {
                    return value;
                }
            }
        }

        private double ParseTerm(int depth)
        {
            var value = ParseUnary(depth);
            while (true)
            {
                SkipSpaces();
                if (Accept('*'))
                {
                    value *= ParseUnary(depth);
                }
                else if (Accept('/'))
                {
                    var divisor = ParseUnary(depth);
                    value = divisor == 0 ? throw new ArithmeticException("Division by zero.") : value / divisor;
                }
                else if (Accept('%'))
                {
                    var divisor = ParseUnary(depth);
                    value = divisor == 0 ? throw new ArithmeticException("Division by zero.") : value % divisor;
                }
                else
                {
                    return value;
                }
            }
        }

        private double ParseUnary(int depth)
        {
            Guard(depth);
            SkipSpaces();
            if (Accept('-'))
            {
                return -ParseUnary(depth + 1);
            }

            return Accept('+') ? ParseUnary(depth + 1) : ParsePower(depth);
        }

        private double ParsePower(int depth)
        {
            var value = ParseAtom(depth);
            SkipSpaces();
            if (Accept('^'))
            {
                value = Math.Pow(value, ParseUnary(depth + 1));
            }

            return value;
        }

        private double ParseAtom(int depth)
        {
            SkipSpaces();
            if (AtEnd)
            {
                throw new ArithmeticException("The expression ends where a number was expected.");
            }

            if (Accept('('))
            {
                var inner = ParseExpression(depth + 1);
                SkipSpaces();
                return Accept(')') ? inner : throw new ArithmeticException($"Missing ')' at position {_pos + 1}.");
            }

            var c = Current;
            if (char.IsAsciiDigit(c) || c == '.')
            {
                return ParseNumber();
            }

            if (char.IsAsciiLetter(c))
            {
                var start = _pos;
                while (!AtEnd && (char.IsAsciiLetterOrDigit(Current) || Current == '_'))
                {
                    _pos++;
                }

                var name = _text[start.._pos].ToLowerInvariant();
                switch (name)
                {
                    case "pi": return Math.PI;
                    case "e": return Math.E;
                    default:
                        break;
                }

                SkipSpaces();
                if (!Accept('('))
                {
                    throw new ArithmeticException($"Unknown name '{name}' at position {start + 1}.");
                }

                var argument = ParseExpression(depth + 1);
                SkipSpaces();
                if (!Accept(')'))
                {
                    throw new ArithmeticException($"Missing ')' after the argument of {name}.");
                }

                return name switch
                {
                    "sqrt" => argument < 0 ? throw new ArithmeticException("sqrt of a negative number.") : Math.Sqrt(argument),
                    "abs" => Math.Abs(argument),
                    "round" => Math.Round(argument, MidpointRounding.AwayFromZero),
                    "floor" => Math.Floor(argument),
                    "ceil" => Math.Ceiling(argument),
                    "ln" => argument <= 0 ? throw new ArithmeticException("ln of a number that is not positive.") : Math.Log(argument),
                    "log10" => argument <= 0 ? throw new ArithmeticException("log10 of a number that is not positive.") : Math.Log10(argument),
                    _ => throw new ArithmeticException($"Unknown function '{name}'."),
                };
            }

            throw new ArithmeticException($"Unexpected '{c}' at position {_pos + 1}.");
        }

        private double ParseNumber()
        {
            var start = _pos;
            while (!AtEnd && (char.IsAsciiDigit(Current) || Current == '.'))
            {
                _pos++;
            }

            if (!AtEnd && Current is 'e' or 'E')
            {
                var save = _pos;
                _pos++;
                if (!AtEnd && Current is '+' or '-')
                {
                    _pos++;
                }

                if (!AtEnd && char.IsAsciiDigit(Current))
                {
                    while (!AtEnd && char.IsAsciiDigit(Current))
                    {
                        _pos++;
                    }
                }
                else
                {
                    _pos = save;
                }
            }

            var token = _text.AsSpan(start, _pos - start);
            return double.TryParse(token, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new ArithmeticException($"'{token}' at position {start + 1} is not a number.");
        }

        private bool Accept(char c)
        {
            if (!AtEnd && _text[_pos] == c)
            {
                _pos++;
                return true;
            }

            return false;
        }

        private static void Guard(int depth)
        {
            if (depth > MaxDepth)
            {
                throw new ArithmeticException($"The expression nests deeper than {MaxDepth} levels.");
            }
        }
    }
}
