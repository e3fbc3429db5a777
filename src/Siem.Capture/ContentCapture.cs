using System.Buffers;
using System.Text;

namespace Siem.Capture;

/// <summary>The content features (KDD columns 10-22) that can be read cheaply and soundly from cleartext.</summary>
internal readonly record struct ContentFeatures(int FailedLogins, bool LoggedIn, bool RootShell, bool SuAttempted, bool GuestLogin)
{
    public static readonly ContentFeatures None = new(0, false, false, false, false);
}

/// <summary>
/// Keeps the first few kilobytes each side sent on a cleartext login or web service (in packet order,
/// not re-sequenced) and reads from them: failed logins (FTP 530, POP -ERR, IMAP NO, telnet/rlogin
/// "Login incorrect"), logged_in (FTP 230, POP +OK to PASS, IMAP OK to LOGIN, SMTP 250, HTTP 2xx/3xx,
/// a shell prompt on telnet/rlogin), root_shell (a "# " prompt), su_attempted and guest (anonymous FTP).
/// Everything else in columns 10-22 is left 0.
/// </summary>
internal sealed class ContentCapture
{
    private const int KeptBytesPerSide = 4096;

    private readonly string _service;
    private readonly ArrayBufferWriter<byte> _fromOriginator = new(512);
    private readonly ArrayBufferWriter<byte> _fromResponder = new(512);

    private ContentCapture(string service) => _service = service;

    public static ContentCapture? For(string service) =>
        service is "ftp" or "telnet" or "login" or "pop_3" or "imap4" or "smtp" or "http" ? new ContentCapture(service) : null;

    public void Append(bool fromOriginator, ReadOnlySpan<byte> payload)
    {
        var side = fromOriginator ? _fromOriginator : _fromResponder;
        var room = KeptBytesPerSide - side.WrittenCount;
        if (room > 0 && !payload.IsEmpty)
        {
            side.Write(payload[..Math.Min(room, payload.Length)]);
        }
    }

    public ContentFeatures Read()
    {
        var client = Lines(_fromOriginator);
        var server = Lines(_fromResponder);
        return _service switch
        {
            "ftp" => new ContentFeatures(
                server.Count(l => l.StartsWith("530", StringComparison.Ordinal)),
                server.Any(l => l.StartsWith("230", StringComparison.Ordinal)),
                false, false,
                client.Any(l => IsCommand(l, "USER", out var user) && user is "anonymous" or "ftp")),
            "pop_3" => client.Any(l => IsCommand(l, "PASS", out _))
                ? new ContentFeatures(server.Count(l => l.StartsWith("-ERR", StringComparison.Ordinal)), server.Count(l => l.StartsWith("+OK", StringComparison.Ordinal)) >= 3, false, false, false)
                : ContentFeatures.None,
            "imap4" => ReadImap(client, server),
            "smtp" => ContentFeatures.None with { LoggedIn = server.Any(l => l.StartsWith("250", StringComparison.Ordinal)) },
            "http" => ContentFeatures.None with { LoggedIn = server.Any(IsHttpSuccess) },
            _ => ReadTerminal(client, server),
        };
    }

    private static ContentFeatures ReadImap(List<string> client, List<string> server)
    {
        var loginTags = client.Select(l => l.Split(' ', 3)).Where(p => p.Length >= 2 && p[1].Equals("LOGIN", StringComparison.OrdinalIgnoreCase)).Select(p => p[0]).ToHashSet();
        var failed = server.Count(l => loginTags.Any(t => l.StartsWith(t + " NO", StringComparison.Ordinal)));
        var loggedIn = server.Any(l => loginTags.Any(t => l.StartsWith(t + " OK", StringComparison.Ordinal)));
        return ContentFeatures.None with { FailedLogins = failed, LoggedIn = loggedIn };
    }

    private static ContentFeatures ReadTerminal(List<string> client, List<string> server)
    {
        var failed = server.Count(l => l.Contains("Login incorrect", StringComparison.OrdinalIgnoreCase));
        var prompts = server.Where(l => l.EndsWith("$ ", StringComparison.Ordinal) || l.EndsWith("# ", StringComparison.Ordinal) || l.EndsWith("% ", StringComparison.Ordinal)).ToList();
        var su = client.Any(l => l == "su" || l.StartsWith("su ", StringComparison.Ordinal));
        return new ContentFeatures(failed, prompts.Count > 0, prompts.Exists(p => p.EndsWith("# ", StringComparison.Ordinal)), su, false);
    }

    private static bool IsHttpSuccess(string line) =>
        line.StartsWith("HTTP/", StringComparison.Ordinal) && line.Split(' ', 3) is [_, var status, ..] && status.Length == 3 && status[0] is '2' or '3';

    private static bool IsCommand(string line, string command, out string argument)
    {
        var parts = line.Split(' ', 2);
        argument = parts.Length == 2 ? parts[1].Trim().ToLowerInvariant() : "";
        return parts[0].Equals(command, StringComparison.OrdinalIgnoreCase);
    }

    // Latin-1 maps every byte to one char, so binary junk cannot make decoding fail.
    private static List<string> Lines(ArrayBufferWriter<byte> side) =>
        [.. Encoding.Latin1.GetString(side.WrittenSpan).Split('\n').Select(l => l.TrimEnd('\r', '\0'))];
}
