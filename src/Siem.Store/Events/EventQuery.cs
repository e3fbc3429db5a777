using System.Globalization;
using System.Linq.Expressions;
using System.Net;
using System.Text;
using Siem.Domain.Records;
using Siem.Store.Persistence;

namespace Siem.Store.Events;

/// <summary>A query the explorer could not understand, with where and why.</summary>
public sealed class EventQueryException(string message, int position) : Exception($"{message} (at character {position + 1})")
{
    public int Position { get; } = position;
}

/// <summary>
/// The events explorer's query language, parsed into a predicate the database runs.
/// <code>
///   label:neptune and service:http
///   category:r2l or unknown:true
///   confidence&lt;0.8 and not (flag:SF)
///   src_bytes&gt;10000 dst_ip:"10.0.0.9"
/// </code>
/// Fields: label, category, unknown, alert, confidence, job, line, actual_label, the 41 KDD features by
/// name, src_ip, dst_ip, src_port, dst_port. Operators: <c>:</c> or <c>=</c> (equals), <c>!=</c>,
/// <c>&lt; &lt;= &gt; &gt;=</c> (numbers). Terms combine with <c>and</c> (also implied by a space),
/// <c>or</c>, <c>not</c> and parentheses; values may be "quoted".
/// </summary>
public static class EventQuery
{
    private static readonly Dictionary<string, Field> Fields = BuildFields();

    public static IReadOnlyCollection<string> FieldNames => Fields.Keys;

    /// <summary>Longer queries are refused (a URL limit must not be the only bound).</summary>
    public const int MaxLength = 4096;

    /// <summary>Parentheses and "not" nest at most this deep: the parser recurses, and the stack must never overflow.</summary>
    public const int MaxDepth = 64;

    /// <summary>Parses <paramref name="query"/>; blank means "everything".</summary>
    public static Expression<Func<SecurityEvent, bool>> Parse(string? query)
    {
        var parameter = Expression.Parameter(typeof(SecurityEvent), "e");
        if (string.IsNullOrWhiteSpace(query))
        {
            return Expression.Lambda<Func<SecurityEvent, bool>>(Expression.Constant(true), parameter);
        }

        if (query.Length > MaxLength)
        {
            throw new EventQueryException($"the query is longer than {MaxLength:N0} characters", MaxLength);
        }

        if (query.IndexOfAnyInRange('\0', '\u001f') is var control and >= 0)
        {
            throw new EventQueryException("the query holds a control character", control);
        }

        var parser = new Parser(Tokenize(query), parameter);
        var body = parser.ParseOr();
        parser.ExpectEnd();
        return Expression.Lambda<Func<SecurityEvent, bool>>(body, parameter);
    }

    private sealed class Parser(List<Token> tokens, ParameterExpression parameter)
    {
        private int _next;
        private int _depth;

        private Token Peek => _next < tokens.Count ? tokens[_next] : new Token(TokenKind.End, "", tokens.Count == 0 ? 0 : tokens[^1].Position + tokens[^1].Text.Length);

        public void ExpectEnd()
        {
            if (Peek.Kind != TokenKind.End)
            {
                throw new EventQueryException(Peek.Kind == TokenKind.Close ? "')' without a matching '('" : $"unexpected '{Peek.Text}'", Peek.Position);
            }
        }

        public Expression ParseOr()
        {
            var left = ParseAnd();
            while (IsWord("or"))
            {
                _next++;
                left = Expression.OrElse(left, ParseAnd());
            }

            return left;
        }

        private Expression ParseAnd()
        {
            var left = ParseUnary();
            while (true)
            {
                if (IsWord("and"))
                {
                    _next++;
                }
                else if (Peek.Kind is TokenKind.End or TokenKind.Close || IsWord("or"))
                {
                    return left;
                }

                left = Expression.AndAlso(left, ParseUnary());
            }
        }

        private Expression ParseUnary()
        {
            if (IsWord("not") || Peek.Kind == TokenKind.Open)
            {
                if (++_depth > MaxDepth)
                {
                    throw new EventQueryException($"parentheses and 'not' nest deeper than {MaxDepth}", Peek.Position);
                }

                try
                {
                    return ParseNested();
                }
                finally
                {
                    _depth--;
                }
            }

            return ParseComparison();
        }

        private Expression ParseNested()
        {
            if (IsWord("not"))
            {
                _next++;
                return Expression.Not(ParseUnary());
            }

            var open = tokens[_next++];
            var inner = ParseOr();
            if (Peek.Kind != TokenKind.Close)
            {
                throw new EventQueryException("'(' is never closed", open.Position);
            }

            _next++;
            return inner;
        }

        private Expression ParseComparison()
        {
            var name = Peek;
            if (name.Kind != TokenKind.Word)
            {
                throw new EventQueryException(name.Kind == TokenKind.End ? "the query ends where a condition was expected" : $"expected a field name, found '{name.Text}'", name.Position);
            }

            _next++;
            if (!Fields.TryGetValue(name.Text.ToLowerInvariant(), out var field))
            {
                throw new EventQueryException($"unknown field '{name.Text}' (fields: label, category, unknown, alert, confidence, service, flag, src_bytes, dst_ip, ...)", name.Position);
            }

            var op = Peek;
            if (op.Kind != TokenKind.Operator)
            {
                throw new EventQueryException($"expected an operator (: = != < <= > >=) after '{name.Text}'", op.Position);
            }

            _next++;
            var value = Peek;
            if (value.Kind is not (TokenKind.Word or TokenKind.Quoted))
            {
                throw new EventQueryException($"expected a value after '{name.Text}{op.Text}'", value.Position);
            }

            _next++;
            return field.Compare(parameter, op, value);
        }

        private bool IsWord(string word) => Peek.Kind == TokenKind.Word && Peek.Text.Equals(word, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A queryable field: how to reach it from an event and how to read a value for it.</summary>
    private sealed record Field(string Name, Func<Expression, Expression> Access, Type Type, Func<string, string>? Normalize = null)
    {
        public Expression Compare(ParameterExpression parameter, Token op, Token value)
        {
            var member = Access(parameter);
            var constant = QueryValue.Of(Convert(value), Type);
            var isNumber = Type != typeof(string) && Type != typeof(bool) && Type != typeof(IPAddress);
            return op.Text switch
            {
                ":" or "=" => Expression.Equal(member, constant),
                "!=" => Expression.NotEqual(member, constant),
                "<" when isNumber => Expression.LessThan(member, constant),
                "<=" when isNumber => Expression.LessThanOrEqual(member, constant),
                ">" when isNumber => Expression.GreaterThan(member, constant),
                ">=" when isNumber => Expression.GreaterThanOrEqual(member, constant),
                _ => throw new EventQueryException($"'{op.Text}' does not apply to {Name}, which is not a number", op.Position),
            };
        }

        private object? Convert(Token value)
        {
            var text = value.Text;
            var underlying = Nullable.GetUnderlyingType(Type) ?? Type;
            object? result = underlying switch
            {
                _ when underlying == typeof(string) => Normalize?.Invoke(text) ?? text,
                _ when underlying == typeof(bool) => text.ToLowerInvariant() switch
                {
                    "true" or "1" or "yes" => true,
                    "false" or "0" or "no" => false,
                    _ => null,
                },
                _ when underlying == typeof(IPAddress) => IPAddress.TryParse(text, out var ip) ? ip : null,
                // Only finite numbers: NaN, infinities and overflows like 1e309 would reach the database as values it cannot compare.
                _ when underlying == typeof(double) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : null,
                _ when underlying == typeof(float) => float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && float.IsFinite(f) ? f : null,
                _ when underlying == typeof(long) => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : null,
                _ when underlying == typeof(int) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null,
                _ => null,
            };
            return result ?? throw new EventQueryException($"'{text}' is not a valid {Describe(underlying)} for {Name}", value.Position);
        }

        private static string Describe(Type type) =>
            type == typeof(bool) ? "true/false" : type == typeof(IPAddress) ? "IP address" : type == typeof(long) || type == typeof(int) ? "whole number" : "number";
    }

    private static Dictionary<string, Field> BuildFields()
    {
        static Func<Expression, Expression> Event(string property) => e => Expression.Property(e, property);
        static Func<Expression, Expression> Connection(string property) => e => Expression.Property(Expression.Property(e, nameof(SecurityEvent.Connection)), property);
        static string Lower(string s) => s.ToLowerInvariant();

        var fields = new List<Field>
        {
            new("label", Event(nameof(SecurityEvent.Label)), typeof(string), s => Lower(s).TrimEnd('.')),
            new("category", Event(nameof(SecurityEvent.Category)), typeof(string), Lower),
            new("closest_label", Event(nameof(SecurityEvent.ClosestLabel)), typeof(string), s => Lower(s).TrimEnd('.')),
            new("unknown", Event(nameof(SecurityEvent.Unknown)), typeof(bool)),
            new("alert", Event(nameof(SecurityEvent.IsAlert)), typeof(bool)),
            new("suppressed", Event(nameof(SecurityEvent.Suppressed)), typeof(bool)),
            new("rule", Event(nameof(SecurityEvent.Rule)), typeof(string), Lower),
            new("confidence", Event(nameof(SecurityEvent.Confidence)), typeof(float)),
            new("job", Event(nameof(SecurityEvent.JobId)), typeof(long)),
            new("line", Event(nameof(SecurityEvent.Line)), typeof(long)),
            new("actual_label", Connection(nameof(ConnectionRecord.Label)), typeof(string), s => Lower(s).TrimEnd('.')),
            new("src_ip", Connection(nameof(ConnectionRecord.SrcIp)), typeof(IPAddress)),
            new("dst_ip", Connection(nameof(ConnectionRecord.DstIp)), typeof(IPAddress)),
            new("src_port", Connection(nameof(ConnectionRecord.SrcPort)), typeof(int?)),
            new("dst_port", Connection(nameof(ConnectionRecord.DstPort)), typeof(int?)),
            new("uid", Connection(nameof(ConnectionRecord.Uid)), typeof(string)),
            new("community_id", Connection(nameof(ConnectionRecord.CommunityId)), typeof(string)),
        };
        foreach (var feature in KddFeatures.All)
        {
            var property = typeof(ConnectionRecord).GetProperty(PascalCase(feature.Name))
                           ?? throw new InvalidOperationException($"ConnectionRecord has no property for {feature.Name}");
            Func<string, string>? normalize = feature.Index == KddFeatures.FlagIndex ? s => s.ToUpperInvariant() : feature.Kind == FeatureKind.Symbolic ? Lower : null;
            fields.Add(new Field(feature.Name, Connection(property.Name), property.PropertyType, normalize));
        }

        return fields.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);
    }

    private static string PascalCase(string snake) =>
        string.Concat(snake.Split('_').Select(part => char.ToUpperInvariant(part[0]) + part[1..]));

    private enum TokenKind
    {
        Word,
        Quoted,
        Operator,
        Open,
        Close,
        End,
    }

    private sealed record Token(TokenKind Kind, string Text, int Position);

    private static List<Token> Tokenize(string query)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < query.Length)
        {
            var c = query[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '(' or ')')
            {
                tokens.Add(new Token(c == '(' ? TokenKind.Open : TokenKind.Close, c.ToString(), i++));
            }
            else if (c is ':' or '=' or '<' or '>' or '!')
            {
                var start = i++;
                if (i < query.Length && query[i] == '=' && c is '<' or '>' or '!')
                {
                    i++;
                }

                var op = query[start..i];
                if (op == "!")
                {
                    throw new EventQueryException("'!' must be followed by '=' (use 'not' to negate)", start);
                }

                tokens.Add(new Token(TokenKind.Operator, op, start));
            }
            else if (c == '"')
            {
                var start = i++;
                var text = new StringBuilder();
                while (i < query.Length && query[i] != '"')
                {
                    if (query[i] == '\\' && i + 1 < query.Length)
                    {
                        i++;
                    }

                    text.Append(query[i++]);
                }

                if (i == query.Length)
                {
                    throw new EventQueryException("a quoted value is never closed", start);
                }

                i++;
                tokens.Add(new Token(TokenKind.Quoted, text.ToString(), start));
            }
            else
            {
                var start = i;
                while (i < query.Length && !char.IsWhiteSpace(query[i]) && query[i] is not ('(' or ')' or ':' or '=' or '<' or '>' or '!' or '"'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Word, query[start..i], start));
            }
        }

        return tokens;
    }
}
