using System.ComponentModel.DataAnnotations;
using MailKit.Security;

namespace Siem.Store.Notifications;

/// <summary>Settings under <c>Siem:Notifications</c> (README "Notifications").</summary>
public sealed class NotificationOptions
{
    /// <summary>The address users reach the app at (e.g. https://siem.example.com), for links in notifications; empty: links are paths.</summary>
    public string? PublicUrl { get; set; }

    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>Attempts per notification before it is marked Failed.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 6;

    /// <summary>The wait before the second attempt; it doubles after each failure (30 s, 1, 2, 4, 8 min by default), capped at an hour.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often escalations and retries are looked for (a new incident wakes the sender at once).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long one webhook call or mail may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

public sealed class SmtpOptions
{
    /// <summary>The SMTP server; email rules need it.</summary>
    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary>Auto: TLS on 465, STARTTLS when the server offers it; None for a local relay.</summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.Auto;

    public string? UserName { get; set; }
    public string? Password { get; set; }

    [EmailAddress]
    public string From { get; set; } = "siem@localhost";

    public bool Configured => !string.IsNullOrWhiteSpace(Host);
}
