using System.Globalization;
using System.Text;
using Siem.Detection.Model;
using Siem.Domain.Labels;

namespace Siem.Detection.Evaluation;

/// <summary>Plain-text rendering of an <see cref="EvaluationReport"/> for the terminal.</summary>
public static class EvaluationText
{
    public static string Format(EvaluationReport report)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"records:            {report.Records:N0}");
        text.AppendLine(c, $"accuracy (classes): {report.Accuracy:P3}  (records whose label the model knows)");
        text.AppendLine(c, $"macro-F1:           {report.MacroF1:F4}");
        text.AppendLine(c, $"accuracy (5 cat.):  {report.CategoryAccuracy:P3}");
        text.AppendLine(c, $"cost per example:   {report.CostPerExample:F4}  (KDD Cup 99 cost matrix)");
        text.AppendLine(c, $"flagged unknown:    {report.UnknownFlagged:N0}");
        if (report.Unscored > 0)
        {
            text.AppendLine(c, $"not scored:         {report.Unscored:N0}  (labels that are not KDD labels)");
        }

        text.AppendLine();
        text.AppendLine("per class            support  predicted  precision  recall     F1");
        foreach (var m in report.PerClass.Where(m => m.Support > 0 || m.Predicted > 0))
        {
            text.AppendLine(c, $"  {m.Label,-17} {m.Support,9:N0} {m.Predicted,10:N0} {m.Precision,10:P2} {m.Recall,7:P2} {m.F1,6:F3}");
        }

        text.AppendLine();
        text.AppendLine("confusion (rows actual, columns predicted)");
        text.Append("  actual\\pred");
        foreach (var category in KddCategoryNames.All)
        {
            text.Append(c, $"{category.ToName(),10}");
        }

        text.AppendLine();
        foreach (var actual in KddCategoryNames.All)
        {
            text.Append(c, $"  {actual.ToName(),-10}");
            foreach (var predicted in KddCategoryNames.All)
            {
                text.Append(c, $"{report.CategoryConfusion[(int)actual][(int)predicted],10:N0}");
            }

            text.AppendLine();
        }

        return text.ToString();
    }
}
