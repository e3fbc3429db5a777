using System.Globalization;
using Siem.Store.Identity;
using Siem.Store.Persistence;
using Siem.Store.Stats;
using Siem.Web.Identity;

namespace Siem.Web.Stats;

public static class StatsEndpoints
{
    public static void MapStatsEndpoints(this RouteGroupBuilder api)
    {
        var stats = api.MapGroup("/stats").RequireAuthorization(SiemPolicies.Read);
        stats.MapGet("/timeline", async (StatsService service, DateTimeOffset? from, DateTimeOffset? to, string? interval, CancellationToken ct) =>
            {
                if (interval is not null && ParseInterval(interval) is null)
                {
                    return Results.Problem($"interval '{interval}' is not a duration: use seconds (300) or 1m, 5m, 1h, 1d.", statusCode: 400);
                }

                return Results.Ok(await service.TimelineAsync(from, to, interval is null ? null : ParseInterval(interval), ct));
            })
            .WithSummary("Events per interval by category, from the per-minute rollups");
        stats.MapGet("/breakdown", (StatsService service, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct) => service.BreakdownAsync(from, to, ct))
            .WithSummary("Totals by category and by label for a time range");
        stats.MapGet("/attacks", (StatsService service, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct) => service.AttacksAsync(from, to, ct))
            .WithSummary("What was attacked in a time range: labels, categories, ATT&CK techniques, and the top services, protocols, flags and hosts of the alerts");
    }

    internal static TimeSpan? ParseInterval(string text)
    {
        text = text.Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        if (text.Length < 2 || !double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            return null;
        }

        return char.ToLowerInvariant(text[^1]) switch
        {
            's' => TimeSpan.FromSeconds(value),
            'm' => TimeSpan.FromMinutes(value),
            'h' => TimeSpan.FromHours(value),
            'd' => TimeSpan.FromDays(value),
            _ => null,
        };
    }
}
