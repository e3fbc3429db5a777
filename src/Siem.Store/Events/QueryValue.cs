using System.Linq.Expressions;
using System.Reflection;

namespace Siem.Store.Events;

/// <summary>
/// A value typed into a query, held so EF Core sends it as a bound SQL parameter rather than an escaped literal:
/// EF turns a member read of a captured object into a parameter (as it does for a C# closure), while a constant
/// is written into the SQL text. Bound values remove the whole class of escaping mistakes and let the database
/// reuse the statement's plan.
/// </summary>
public sealed class QueryValue<T>(T value)
{
    public T Value { get; } = value;
}

public static class QueryValue
{
    /// <summary>An expression reading <paramref name="value"/> (of <paramref name="type"/>) that EF binds as a parameter.</summary>
    public static Expression Of(object? value, Type type)
    {
        var holder = Activator.CreateInstance(typeof(QueryValue<>).MakeGenericType(type), value)!;
        return Expression.Property(Expression.Constant(holder), nameof(QueryValue<object>.Value));
    }

    /// <summary>Whether <paramref name="node"/> is a value made by <see cref="Of"/>.</summary>
    public static bool IsValue(Expression node) =>
        node is MemberExpression { Expression: ConstantExpression { Value: { } holder } } &&
        holder.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(QueryValue<>);

    /// <summary>The value an expression made by <see cref="Of"/> holds.</summary>
    public static object? ValueOf(Expression node) =>
        IsValue(node) ? ((PropertyInfo)((MemberExpression)node).Member).GetValue(((ConstantExpression)((MemberExpression)node).Expression!).Value) : null;
}
