namespace Siem.Store;

/// <summary>
/// A filter, reason or other input a service cannot accept, with the message to show. Services throw it
/// instead of ignoring the value (a dropped filter widens a bulk action); the API answers it as 400.
/// </summary>
public sealed class InvalidInputException(string message) : Exception(message);

/// <summary>Parses names of enums strictly: a value that is not one of them is an <see cref="InvalidInputException"/>, never null.</summary>
public static class InputParsing
{
    /// <summary>Null or blank gives null; otherwise the member named (case, spaces and underscores ignored), or an error naming the choices.</summary>
    public static TEnum? Optional<TEnum>(string? text, string field)
        where TEnum : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var name = text.Trim().Replace("_", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
        return !int.TryParse(name, out _) && Enum.TryParse<TEnum>(name, ignoreCase: true, out var parsed)
            ? parsed
            : throw new InvalidInputException($"{field} '{text}' is not one of {string.Join(", ", Enum.GetNames<TEnum>())}.");
    }
}
