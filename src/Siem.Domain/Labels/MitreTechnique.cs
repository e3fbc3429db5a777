namespace Siem.Domain.Labels;

/// <summary>A MITRE ATT&amp;CK technique (or sub-technique) an attack class maps to.</summary>
public sealed record MitreTechnique(string Id, string Name)
{
    public Uri Url => new($"https://attack.mitre.org/techniques/{Id.Replace('.', '/')}/");
}
