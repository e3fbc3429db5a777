using MudBlazor;

namespace Siem.Web.Components.Layout;

public static class SiemTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight { Primary = "#1565c0", Secondary = "#00897b", AppbarBackground = "#0d47a1" },
        PaletteDark = new PaletteDark { Primary = "#64b5f6", Secondary = "#4db6ac", AppbarBackground = "#1a1f2b", Background = "#11151c", Surface = "#1a1f2b", DrawerBackground = "#151a23" },
    };
}
