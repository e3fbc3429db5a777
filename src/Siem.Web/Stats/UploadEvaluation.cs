using Microsoft.EntityFrameworkCore;
using Siem.Detection.Evaluation;
using Siem.Detection.Model;
using Siem.Domain.Labels;
using Siem.Web.Persistence;

namespace Siem.Web.Stats;

/// <summary>
/// How the model did on one labelled upload: its events' stored verdicts against the labels the file
/// carried, through the same accumulator as <c>siem evaluate</c> (accuracy, macro-F1, per class,
/// 5-category confusion, KDD cost), counted in the database by (actual, verdict) groups.
/// </summary>
public static class UploadEvaluation
{
    private sealed class Group
    {
        public string Actual { get; init; } = "";
        public string Label { get; init; } = "";
        public string Category { get; init; } = "";
        public bool Unknown { get; init; }
        public long Count { get; init; }
    }

    public static async Task<EvaluationReport?> LoadAsync(SiemDbContext db, long jobId, IReadOnlyList<string> modelLabels, CancellationToken cancellationToken = default)
    {
        var groups = await db.Events.AsNoTracking()
            .Where(e => e.JobId == jobId && e.Connection.Label != null)
            .GroupBy(e => new { Actual = e.Connection.Label!, e.Label, e.Category, e.Unknown })
            .Select(g => new Group { Actual = g.Key.Actual, Label = g.Key.Label, Category = g.Key.Category, Unknown = g.Key.Unknown, Count = g.LongCount() })
            .ToListAsync(cancellationToken);
        if (groups.Count == 0)
        {
            return null;
        }

        var accumulator = new EvaluationAccumulator(modelLabels);
        foreach (var g in groups)
        {
            accumulator.Add(g.Actual, g.Label, KddCategoryNames.TryParse(g.Category, out var category) ? category : KddCategory.Normal, g.Unknown, g.Count);
        }

        return accumulator.Report();
    }
}
