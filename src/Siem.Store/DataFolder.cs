namespace Siem.Store;

/// <summary>The data folder (Siem:DataDir): the SQLite database and the uploads live here.</summary>
public sealed class DataFolder
{
    public DataFolder(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Uploads);
    }

    public string Root { get; }

    public string Uploads => Path.Combine(Root, "uploads");

    public string Database => Path.Combine(Root, "siem.db");
}
