using System.CommandLine;
using Siem.Capture;
using Siem.Detection.Reading;

namespace Siem.Cli.Commands;

/// <summary><c>siem extract &lt;capture&gt; --out records.csv</c>: a pcap/pcapng capture rebuilt into KDD connection records.</summary>
internal static class ExtractCommand
{
    public static Command Create()
    {
        var file = CliOptions.InputFile("A packet capture: pcap or pcapng (tcpdump, Wireshark)");
        var output = new Option<FileInfo>("--out") { Description = "Where to write the records (KDD CSV with header and metadata columns)", Required = true };
        var command = new Command("extract", "Rebuild the connections of a packet capture as KDD Cup 99 records") { file, output };
        command.SetAction((parse, cancel) => CliOptions.Guard(() => Task.FromResult(Run(parse.GetValue(file)!, parse.GetValue(output)!, cancel))));
        return command;
    }

    private static int Run(FileInfo input, FileInfo output, CancellationToken cancel)
    {
        var summary = new CaptureSummary();
        var progress = new ConsoleProgress("connections");
        long written = 0;
        using (var writer = new KddCsvWriter(output.FullName))
        {
            foreach (var record in CaptureExtractor.Extract(input.FullName, summary, cancellation: cancel))
            {
                cancel.ThrowIfCancellationRequested();
                writer.Write(record);
                progress.Report(++written);
            }
        }

        progress.Report(written, final: true);
        Console.Error.WriteLine(
            $"{summary.Format} ({summary.LinkType}): {summary.Frames:N0} frames -> {summary.Connections:N0} connections; " +
            $"{summary.NotIp:N0} frames not IP, {summary.Ipv6ExtensionHeaders:N0} IPv6 behind extension headers, {summary.Malformed:N0} malformed, {summary.AbandonedFragments:N0} incomplete fragmented datagrams; records in {output.FullName}");
        if (summary.Damage is not null)
        {
            Console.Error.WriteLine($"error: {summary.Damage} (the connections before it were written)");
            return CliOptions.ExitBadInput;
        }

        return written > 0 ? CliOptions.ExitOk : CliOptions.ExitNothingClassified;
    }
}
