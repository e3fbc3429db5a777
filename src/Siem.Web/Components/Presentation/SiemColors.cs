using MudBlazor;

namespace Siem.Web.Components.Presentation;

/// <summary>The colours every page uses for categories, severities and job states, in one place.</summary>
public static class SiemColors
{
    /// <summary>The five KDD categories in display order.</summary>
    public static readonly string[] Categories = ["normal", "probe", "dos", "u2r", "r2l"];

    /// <summary>For the rest of a chart's labels ("other").</summary>
    public const string Other = "#90a4ae";

    public static string CategoryColor(string category) => category switch
    {
        "normal" => "#66bb6a",
        "probe" => "#ffca28",
        "dos" => "#ef5350",
        "u2r" => "#ab47bc",
        "r2l" => "#ff7043",
        _ => Other,
    };

    public static Color SeverityColor(string severity) => severity switch
    {
        "Critical" => Color.Error,
        "High" => Color.Warning,
        "Medium" => Color.Info,
        _ => Color.Default,
    };

    public static Color JobStatusColor(string status) => status switch
    {
        "Completed" => Color.Success,
        "Failed" => Color.Error,
        "Cancelled" => Color.Warning,
        "Running" => Color.Info,
        _ => Color.Default,
    };
}
