using Microsoft.EntityFrameworkCore;
using Siem.Detection.Evaluation;
using Siem.Detection.Model;
using Siem.Domain.Labels;
using Siem.Store.Persistence;

namespace Siem.Store.Stats;

/// <summary>
/// How the model did on one labelled upload: its events' stored verdicts against the labels the file
/// carried, through the same accumulator as <c>siem evaluate</c> (accuracy, macro-F1, per class,
/// 5-category confusion, KDD cost), from the per-job verdict counts the writer keeps with the events.
/// </summary>
public static class UploadEvaluation
{
    public static async Task<EvaluationReport?> LoadAsync(SiemDbContext db, long jobId, IReadOnlyList<string> modelLabels, CancellationToken cancellationToken = default)
    {
        var groups = await db.JobVerdicts.AsNoTracking().Where(v => v.JobId == jobId).ToListAsync(cancellationToken);
        if (groups.Count == 0)
        {
            return null;
        }

        var accumulator = new EvaluationAccumulator(modelLabels);
        foreach (var g in groups)
        {
            accumulator.Add(g.ActualLabel, g.Label, KddCategoryNames.TryParse(g.Category, out var category) ? category : KddCategory.Normal, g.Unknown, g.Count);
        }

        return accumulator.Report();
    }
}
