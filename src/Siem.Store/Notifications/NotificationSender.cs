using System.Net.Http.Headers;
using System.Text;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;
using Siem.Store.Persistence;

namespace Siem.Store.Notifications;

/// <summary>One attempt's answer: delivered or not, and what the other side said.</summary>
public sealed record DeliveryOutcome(bool Delivered, string Result);

/// <summary>Sends one notification over a rule's channel: a webhook POST (any 2xx is delivered) or a mail (MailKit).</summary>
public sealed class NotificationSender(IHttpClientFactory http, IOptions<SiemOptions> options, TimeProvider time)
{
    public const string HttpClientName = "notifications";

    public async Task<DeliveryOutcome> SendAsync(NotificationRule rule, IncidentFacts incident, NotificationTrigger trigger, bool test, CancellationToken cancellationToken)
    {
        var settings = options.Value.Notifications;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.Timeout);
        try
        {
            return rule.Channel == NotificationChannel.Webhook
                ? await PostAsync(rule, NotificationMessages.RenderWebhookBody(rule.BodyTemplate, incident, trigger, test, settings.PublicUrl, rule.EscalateAfterMinutes), timeout.Token)
                : await MailAsync(rule, incident, trigger, test, settings, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new DeliveryOutcome(false, $"no answer within {settings.Timeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Net.Sockets.SocketException or MailKit.ProtocolException
                                      or MailKit.Security.AuthenticationException or SmtpCommandException or SmtpProtocolException or InvalidOperationException)
        {
            return new DeliveryOutcome(false, Truncate(e.Message));
        }
    }

    private async Task<DeliveryOutcome> PostAsync(NotificationRule rule, string body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, rule.Target) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Siem", "1.0"));
        if (!string.IsNullOrEmpty(rule.HeaderName))
        {
            request.Headers.TryAddWithoutValidation(rule.HeaderName, rule.HeaderValue);
        }

        using var response = await http.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        var answer = await response.Content.ReadAsStringAsync(cancellationToken);
        var result = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}" + (answer.Length == 0 ? "" : ": " + Truncate(answer));
        return new DeliveryOutcome(response.IsSuccessStatusCode, result);
    }

    private async Task<DeliveryOutcome> MailAsync(NotificationRule rule, IncidentFacts incident, NotificationTrigger trigger, bool test, NotificationOptions settings,
        CancellationToken cancellationToken)
    {
        var smtp = settings.Smtp;
        if (!smtp.Configured)
        {
            return new DeliveryOutcome(false, "SMTP is not configured (Siem:Notifications:Smtp:Host)");
        }

        var message = new MimeMessage { Subject = "[SIEM] " + NotificationMessages.Summary(incident, trigger, test, rule.EscalateAfterMinutes), Date = time.GetUtcNow() };
        message.From.Add(MailboxAddress.Parse(smtp.From));
        message.To.AddRange(NotificationRecipients.Parse(rule.Target).Select(MailboxAddress.Parse));
        message.Body = new TextPart("plain") { Text = NotificationMessages.MailBody(incident, trigger, test, settings.PublicUrl, rule.EscalateAfterMinutes) };

        using var client = new SmtpClient();
        await client.ConnectAsync(smtp.Host!, smtp.Port, smtp.Security, cancellationToken);
        if (!string.IsNullOrEmpty(smtp.UserName))
        {
            await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? "", cancellationToken);
        }

        var answer = await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
        return new DeliveryOutcome(true, Truncate(answer));
    }

    private static string Truncate(string text) => text.Length <= 300 ? text.Trim() : text[..300].Trim() + "...";
}

public static class NotificationRecipients
{
    /// <summary>"a@x, b@y; c@z" -> the addresses; a bad one is refused by name.</summary>
    public static IReadOnlyList<string> Parse(string text)
    {
        var addresses = text.Split([',', ';', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var address in addresses)
        {
            if (!MailboxAddress.TryParse(address, out var mailbox) || !mailbox.Address.Contains('@', StringComparison.Ordinal))
            {
                throw new InvalidInputException($"'{address}' is not an email address.");
            }
        }

        return addresses.Length == 0 ? throw new InvalidInputException("An email rule needs at least one recipient.") : addresses;
    }
}
