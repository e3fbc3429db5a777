using Siem.Detection.Model;
using Siem.Detection.Reading;
using Siem.Domain.Records;

namespace Siem.Bench;

internal static class BenchData
{
    public static string KddFile(string? path) =>
        path ?? Environment.GetEnvironmentVariable("SIEM_TRAINING_DATA")
        ?? Path.GetFullPath(Path.Combine(RepositoryRoot(), "..", "shared", "data", "kddcup.data_10_percent.gz"));

    public static string ShippedModel => Path.Combine(RepositoryRoot(), "models", ModelFiles.DefaultModelName + ModelFiles.CardExtension);

    /// <summary>The first <paramref name="count"/> records of the KDD file, decompressed into memory as text.</summary>
    public static byte[] FirstLines(int count)
    {
        using var reader = new StreamReader(InputStreams.OpenFile(KddFile(null)));
        using var buffer = new MemoryStream();
        using (var writer = new StreamWriter(buffer, leaveOpen: true))
        {
            for (var i = 0; i < count && reader.ReadLine() is { } line; i++)
            {
                writer.WriteLine(line);
            }
        }

        return buffer.ToArray();
    }

    public static ConnectionRecord[] Records(int count) =>
        KddCsvReader.Read(new MemoryStream(FirstLines(count))).Where(l => l.IsValid).Select(l => l.Record!).ToArray();

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Siem.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
