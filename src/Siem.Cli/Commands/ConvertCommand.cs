using System.CommandLine;
using Siem.Capture.Zeek;
using Siem.Detection.Reading;

namespace Siem.Cli.Commands;

/// <summary><c>siem convert conn.log --out records.csv</c>: a Zeek conn.log (TSV or JSON, plain or gzip) as KDD records.</summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var file = CliOptions.InputFile("A Zeek conn.log: Zeek's tab-separated log or its JSON log, plain or gzip");
        var output = new Option<FileInfo>("--out") { Description = "Where to write the records (KDD CSV with header, metadata, uid and community_id columns)", Required = true };
        var command = new Command("convert", "Turn a Zeek conn.log into KDD Cup 99 records (the window features computed, content features 0)") { file, output };
        command.SetAction((parse, cancel) => CliOptions.Guard(() => Task.FromResult(Run(parse.GetValue(file)!, parse.GetValue(output)!, cancel))));
        return command;
    }

    private static int Run(FileInfo input, FileInfo output, CancellationToken cancel)
    {
        var progress = new ConsoleProgress("records");
        long written = 0, rejected = 0;
        using (var writer = new KddCsvWriter(output.FullName))
        {
            foreach (var line in ZeekConnLog.Read(InputStreams.OpenFile(input.FullName)))
            {
                cancel.ThrowIfCancellationRequested();
                if (line.Record is { } record)
                {
                    writer.Write(record);
                    progress.Report(++written);
                }
                else if (++rejected <= 20)
                {
                    Console.Error.WriteLine($"line {line.LineNumber}: {line.Error}");
                }
            }
        }

        progress.Report(written, final: true);
        Console.Error.WriteLine($"{written:N0} records written to {output.FullName}; {rejected:N0} lines rejected{(rejected > 20 ? " (the first 20 shown)" : "")}");
        return written > 0 ? CliOptions.ExitOk : CliOptions.ExitNothingClassified;
    }
}
