using Siem.Cli.Commands;
using Siem.TestSupport;
using static Siem.TestSupport.KddFixtures;

namespace Siem.Cli.Tests;

/// <summary>Runs the real <c>siem</c> command line in-process against the shipped model and generated files.</summary>
[Collection(nameof(ConsoleTests))]
public class CliEndToEndTests
{
    [Fact]
    public async Task Predict_writes_one_row_per_good_line_in_order_and_reports_bad_lines()
    {
        using var temp = new TempDirectory();
        var input = temp.File("records.csv");
        File.WriteAllText(input, string.Join('\n',
            ToCsvLine(NormalHttp(), "normal"),
            ToCsvLine(SynFlood()),
            "0,tcp,http,SF,not-a-number",
            ToCsvLine(SmurfEcho(), "smurf")) + "\n");
        var output = temp.File("predictions.csv");

        var (exit, _, errors) = await Run("predict", input, "--out", output, "--model", RepositoryPaths.ShippedCard);

        Assert.Equal(0, exit);
        var rows = File.ReadAllLines(output);
        Assert.Equal("line,label,category,confidence,unknown,closest_label,closest_confidence,rule", rows[0]);
        Assert.Equal(4, rows.Length);
        Assert.StartsWith("1,normal,normal,", rows[1], StringComparison.Ordinal);
        Assert.StartsWith("2,neptune,dos,", rows[2], StringComparison.Ordinal);
        Assert.StartsWith("4,smurf,dos,", rows[3], StringComparison.Ordinal);
        Assert.Contains("line 3: expected 41 features", errors);
    }

    [Fact]
    public async Task Predict_exits_non_zero_when_nothing_could_be_classified()
    {
        using var temp = new TempDirectory();
        var input = temp.File("garbage.csv");
        File.WriteAllText(input, "this is not\na kdd file\n");

        var (exit, _, errors) = await Run("predict", input, "--out", temp.File("p.csv"), "--model", RepositoryPaths.ShippedCard);

        Assert.Equal(1, exit);
        Assert.Contains("line 2:", errors);
    }

    [Fact]
    public async Task Predict_on_a_missing_file_is_a_clear_error()
    {
        using var temp = new TempDirectory();

        var (exit, _, errors) = await Run("predict", temp.File("nope.csv"), "--out", temp.File("p.csv"), "--model", RepositoryPaths.ShippedCard);

        Assert.Equal(2, exit);
        Assert.Contains("nope.csv", errors);
    }

    [Fact]
    public async Task Evaluate_prints_accuracy_cost_and_the_category_confusion_matrix()
    {
        using var temp = new TempDirectory();
        var input = temp.File("labelled.csv");
        File.WriteAllText(input, LabelledCsv(normals: 30, floods: 20, smurfs: 10) + ToCsvLine(SynFlood(), "mailbomb") + "\n");

        var (exit, text, _) = await Run("evaluate", input, "--model", RepositoryPaths.ShippedCard);

        Assert.Equal(0, exit);
        Assert.Contains("records:            61", text);
        Assert.Contains("accuracy (classes): 100.000 %", text);
        Assert.Contains("accuracy (5 cat.):  100.000 %", text);
        Assert.Contains("cost per example:   0.0000", text);
        Assert.Matches(@"normal\s+30\s+0\s+0\s+0\s+0", text);
        Assert.Matches(@"dos\s+0\s+0\s+31\s+0\s+0", text); // mailbomb is not a training class: it counts as dos
    }

    [Fact]
    public async Task Evaluate_json_is_machine_readable()
    {
        using var temp = new TempDirectory();
        var input = temp.File("labelled.csv");
        File.WriteAllText(input, LabelledCsv(normals: 5, floods: 5, smurfs: 0));

        var (exit, text, _) = await Run("evaluate", input, "--json", "--model", RepositoryPaths.ShippedCard);

        Assert.Equal(0, exit);
        var json = System.Text.Json.JsonDocument.Parse(text).RootElement;
        Assert.Equal(10, json.GetProperty("records").GetInt64());
        Assert.Equal(5, json.GetProperty("categoryConfusion").GetArrayLength());
    }

    [Fact]
    public async Task Evaluate_refuses_an_unlabelled_file()
    {
        using var temp = new TempDirectory();
        var input = temp.File("unlabelled.csv");
        File.WriteAllText(input, ToCsvLine(NormalHttp()) + "\n");

        var (exit, _, errors) = await Run("evaluate", input, "--model", RepositoryPaths.ShippedCard);

        Assert.Equal(1, exit);
        Assert.Contains("no labelled records", errors);
    }

    [Fact]
    public async Task Extract_writes_the_connections_of_a_capture_as_kdd_csv_that_reads_back_with_metadata()
    {
        using var temp = new TempDirectory();
        var capture = temp.File("web.pcap");
        new CaptureBuilder()
            .HttpSession(1_700_000_000, "192.168.1.10", 50000, "192.168.1.20", "GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\nhello")
            .Tcp(1_700_000_001, "10.0.0.66", 1024, "192.168.1.20", 80, Tcp.Syn)
            .WritePcap(capture);
        var output = temp.File("records.csv");

        var (exit, _, errors) = await Run("extract", capture, "--out", output);

        Assert.Equal(0, exit);
        Assert.Contains("9 frames -> 2 connections", errors.Replace(",", ""));
        var lines = Detection.Reading.KddCsvReader.ReadFile(output).ToList();
        Assert.All(lines, l => Assert.True(l.IsValid, l.Error));
        var records = lines.Select(l => l.Record!).ToList();
        Assert.Equal(["SF", "S0"], records.Select(r => r.Flag));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), records[0].Timestamp);
        Assert.Equal(("192.168.1.10", "192.168.1.20", 50000, 80), (records[0].SrcIp!.ToString(), records[0].DstIp!.ToString(), records[0].SrcPort, records[0].DstPort));
    }

    [Fact]
    public async Task Convert_turns_a_zeek_conn_log_into_kdd_csv_keeping_uid_and_community_id_and_names_bad_lines()
    {
        using var temp = new TempDirectory();
        var log = temp.File("conn.log");
        File.WriteAllText(log, "#separator \\x09\n#unset_field\t-\n#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\torig_bytes\tresp_bytes\tconn_state\tcommunity_id\n"
            + "1764583200.5\tCabc1\t10.0.0.5\t51234\t10.0.0.9\t80\ttcp\t1.5\t300\t9000\tSF\t1:xyz=\n"
            + "1764583201.5\tCabc2\t10.0.0.5\t51235\t10.0.0.9\t25\ttcp\t-\t-\t-\tREJ\t-\n"
            + "1764583202.5\tCabc3\tnot-an-ip\t1\t10.0.0.9\t25\ttcp\t-\t-\t-\tREJ\t-\n");
        var output = temp.File("records.csv");

        var (exit, _, errors) = await Run("convert", log, "--out", output);

        Assert.Equal(0, exit);
        Assert.Contains("line 7: id.orig_h: 'not-an-ip' is not an IP address", errors);
        Assert.Contains("2 records written", errors);
        var records = Detection.Reading.KddCsvReader.ReadFile(output).Select(l => l.Record!).ToList();
        Assert.Equal([("http", "SF", "Cabc1"), ("smtp", "REJ", "Cabc2")], records.Select(r => (r.Service, r.Flag, r.Uid!)));
        Assert.Equal("1:xyz=", records[0].CommunityId);
        Assert.StartsWith("1:", records[1].CommunityId);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1764583200500), records[0].Timestamp);
    }

    [Fact]
    public async Task Convert_refuses_a_file_that_is_not_a_conn_log()
    {
        using var temp = new TempDirectory();
        var input = temp.File("records.csv");
        File.WriteAllText(input, "0,tcp,http,SF,181,5450\n");

        var (exit, _, errors) = await Run("convert", input, "--out", temp.File("out.csv"));

        Assert.Equal(2, exit);
        Assert.Contains("error: not a Zeek conn.log", errors);
    }

    [Fact]
    public async Task Extract_refuses_a_file_that_is_not_a_capture()
    {
        using var temp = new TempDirectory();
        var input = temp.File("records.csv");
        File.WriteAllText(input, "0,tcp,http,SF,181,5450\n");

        var (exit, _, errors) = await Run("extract", input, "--out", temp.File("out.csv"));

        Assert.Equal(2, exit);
        Assert.Contains("error: Not a packet capture", errors);
    }

    [Fact]
    public async Task Seed_writes_a_labelled_time_ordered_file_mostly_normal_with_attack_episodes()
    {
        using var temp = new TempDirectory();
        var source = temp.File("source.csv");
        File.WriteAllText(source, LabelledCsv(normals: 30, floods: 20, smurfs: 10));
        var output = temp.File("seed.csv.gz");
        var started = DateTimeOffset.UtcNow;

        var (exit, _, errors) = await Run("seed", "--events", "20000", "--out", output, "--days", "2", "--source", source);

        Assert.Equal(0, exit);
        Assert.Contains("20,000 records over 2 days", errors);
        var records = Detection.Reading.KddCsvReader.ReadFile(output).Select(l => Assert.IsType<Domain.Records.ConnectionRecord>(l.Record)).ToList();
        Assert.Equal(20_000, records.Count);
        Assert.Equal(15_000, records.Count(r => r.Label == "normal")); // three quarters
        Assert.Equal(["neptune", "normal", "smurf"], records.Select(r => r.Label).Distinct().Order());
        var times = records.Select(r => r.Timestamp!.Value).ToList();
        Assert.Equal(times.Order(), times);
        Assert.InRange(times[0], started.AddDays(-2).AddMinutes(-1), started.AddDays(-2).AddHours(2));
        Assert.InRange(times[^1], started.AddHours(-2), DateTimeOffset.UtcNow);
        Assert.All(records, r => Assert.NotNull(r.DstIp));
        // Attacks come in episodes: each attack episode hits one host, so attack hosts are few.
        Assert.InRange(records.Where(r => r.Label != "normal").Select(r => r.DstIp).Distinct().Count(), 1, 60);
    }

    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var outWriter = new StringWriter();
        using var errWriter = new StringWriter();
        Console.SetOut(outWriter);
        Console.SetError(errWriter);
        try
        {
            var exit = await SiemCommandLine.Build().Parse(args).InvokeAsync();
            return (exit, outWriter.ToString(), errWriter.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }
}

[CollectionDefinition(nameof(ConsoleTests), DisableParallelization = true)]
public sealed class ConsoleTests;
