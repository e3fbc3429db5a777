using System.IO.Compression;
using System.Net;
using System.Text;
using Siem.Detection.Reading;
using Siem.TestSupport;
using static Siem.TestSupport.KddFixtures;

namespace Siem.Detection.Tests.Reading;

public class KddCsvReaderTests
{
    private static List<ParsedLine> ReadText(string text, KddReaderOptions? options = null) =>
        KddCsvReader.Read(AsStream(text), options).ToList();

    private static List<ParsedLine> ReadBytes(byte[] bytes) => KddCsvReader.Read(new MemoryStream(bytes)).ToList();

    [Fact]
    public void Reads_raw_kdd_lines_without_header_with_labels_and_trailing_dots()
    {
        var lines = ReadText(LabelledCsv(normals: 2, floods: 1, smurfs: 1));

        Assert.Equal(4, lines.Count);
        Assert.All(lines, l => Assert.True(l.IsValid, l.Error));
        Assert.Equal([1L, 2, 3, 4], lines.Select(l => l.LineNumber));
        Assert.Equal(["normal", "normal", "neptune", "smurf"], lines.Select(l => l.Record!.Label));
        var flood = lines[2].Record!;
        Assert.Equal(("tcp", "private", "S0"), (flood.ProtocolType, flood.Service, flood.Flag));
        Assert.Equal(200, flood.Count);
        Assert.Equal(1.0, flood.SerrorRate);
        Assert.Equal(255, flood.DstHostCount);
    }

    [Fact]
    public void Reads_41_columns_without_label_and_labels_without_dot()
    {
        var text = ToCsvLine(NormalHttp()) + "\n" + ToCsvLine(SynFlood(), "neptune", trailingDot: false) + "\n";

        var lines = ReadText(text);

        Assert.All(lines, l => Assert.True(l.IsValid, l.Error));
        Assert.Null(lines[0].Record!.Label);
        Assert.Equal("neptune", lines[1].Record!.Label);
    }

    [Fact]
    public void Header_row_is_recognised_and_columns_are_matched_by_name_with_metadata()
    {
        var header = "dst_ip,src_port,timestamp," + Header(withLabel: true) + ",src_ip,dst_port,comment";
        var line = "10.0.0.2,40000,2026-11-25T10:00:00Z," + ToCsvLine(SynFlood(), "neptune") + ",192.168.1.9,80,anything";
        var unixLine = ",,1764064800.5," + ToCsvLine(NormalHttp(), "normal") + ",,,";

        var lines = ReadText(header + "\n" + line + "\n" + unixLine + "\n");

        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.True(l.IsValid, l.Error));
        var record = lines[0].Record!;
        Assert.Equal(2, lines[0].LineNumber);
        Assert.Equal("neptune", record.Label);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero), record.Timestamp);
        Assert.Equal(IPAddress.Parse("192.168.1.9"), record.SrcIp);
        Assert.Equal(IPAddress.Parse("10.0.0.2"), record.DstIp);
        Assert.Equal(40000, record.SrcPort);
        Assert.Equal(80, record.DstPort);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1764064800500), lines[1].Record!.Timestamp);
        Assert.Null(lines[1].Record!.SrcIp);
    }

    [Fact]
    public void Header_without_the_feature_columns_is_a_clear_file_error()
    {
        var error = Assert.Throws<KddFormatException>(() => ReadText("duration,protocol_type,label\n0,tcp,normal.\n"));

        Assert.Contains("missing 39 of the 41 KDD feature columns", error.Message);
        Assert.Contains("service", error.Message);
    }

    [Theory]
    [InlineData("0,tcp,http,SF,1,2", "expected 41 features (and optionally a label), found 6 columns")]
    [InlineData("abc", "expected 41 features")]
    public void Wrong_column_count_is_reported(string line, string reason) =>
        AssertRejected(line, reason);

    [Theory]
    [InlineData(4, "x12", "src_bytes: 'x12' is not a number")]
    [InlineData(4, "-5", "src_bytes: must not be negative (-5)")]
    [InlineData(22, "-1", "count: must not be negative (-1)")]
    [InlineData(22, "2.5", "count: must be a whole number (2.5)")]
    [InlineData(24, "1.5", "serror_rate: 1.5 is outside [0, 1]")]
    [InlineData(6, "2", "land: must be 0 or 1 (2)")]
    [InlineData(1, "sctp", "protocol_type: unknown protocol 'sctp'")]
    [InlineData(3, "XX", "flag: unknown flag 'XX'")]
    [InlineData(0, "", "duration: empty value")]
    [InlineData(0, "NaN", "duration: 'NaN' is not a number")]
    public void Bad_values_are_reported_with_the_feature_and_reason(int column, string value, string reason)
    {
        var cells = ToCsvLine(NormalHttp(), "normal").Split(',');
        cells[column] = value;

        AssertRejected(string.Join(',', cells), reason);
    }

    [Fact]
    public void Invalid_utf8_line_is_reported_and_the_next_line_still_read()
    {
        var bytes = new List<byte>();
        bytes.AddRange(Encoding.UTF8.GetBytes(ToCsvLine(NormalHttp(), "normal") + "\n"));
        bytes.AddRange(Encoding.UTF8.GetBytes(ToCsvLine(NormalHttp(), "normal")[..^7]));
        bytes.AddRange([0xC3, 0x28, 0xFF]); // not UTF-8
        bytes.AddRange(Encoding.UTF8.GetBytes("normal.\n" + ToCsvLine(SynFlood(), "neptune") + "\n"));

        var lines = ReadBytes([.. bytes]);

        Assert.Equal(3, lines.Count);
        Assert.Equal((2L, "line is not valid UTF-8 text"), (lines[1].LineNumber, lines[1].Error));
        Assert.True(lines[2].IsValid);
        Assert.Equal(3, lines[2].LineNumber);
    }

    [Fact]
    public void Over_long_line_is_reported_without_losing_the_lines_around_it()
    {
        var text = ToCsvLine(NormalHttp(), "normal") + "\n"
                   + new string('9', 200_000) + "\n"
                   + ToCsvLine(SynFlood(), "neptune") + "\n";

        var lines = ReadText(text, new KddReaderOptions { MaxLineLength = 4096 });

        Assert.Equal(3, lines.Count);
        Assert.True(lines[0].IsValid);
        Assert.Equal((2L, "line is longer than 4096 characters"), (lines[1].LineNumber, lines[1].Error));
        Assert.True(lines[2].IsValid, lines[2].Error);
        Assert.Equal(3, lines[2].LineNumber);
    }

    [Fact]
    public void Every_good_line_survives_bad_ones_with_correct_line_numbers()
    {
        var good = ToCsvLine(NormalHttp(), "normal");
        var text = string.Join('\n', good, "garbage", good, "", good.Replace("tcp", "xyz", StringComparison.Ordinal), good) + "\n";

        var lines = ReadText(text);

        Assert.Equal([1L, 3, 6], lines.Where(l => l.IsValid).Select(l => l.LineNumber));
        Assert.Equal([2L, 5], lines.Where(l => !l.IsValid).Select(l => l.LineNumber));
    }

    [Fact]
    public void Stray_quote_does_not_swallow_following_lines()
    {
        var good = ToCsvLine(NormalHttp(), "normal");
        var lines = ReadText(good.Replace("http", "\"http", StringComparison.Ordinal) + "\n" + good + "\n" + good + "\n");

        Assert.False(lines[0].IsValid);
        Assert.Equal(2, lines.Count(l => l.IsValid));
    }

    [Fact]
    public void Service_never_seen_in_training_is_not_an_error()
    {
        var line = ToCsvLine(NormalHttp(), "normal").Replace("http", "quic_new", StringComparison.Ordinal);

        var parsed = Assert.Single(ReadText(line));

        Assert.True(parsed.IsValid, parsed.Error);
        Assert.Equal("quic_new", parsed.Record!.Service);
    }

    [Fact]
    public void Gzip_is_detected_by_magic_bytes_not_by_name()
    {
        var text = LabelledCsv(normals: 3, floods: 2, smurfs: 0);
        using var temp = new TempDirectory();
        var path = temp.File("records.csv"); // gzip content behind a .csv name
        using (var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        var fromGzip = KddCsvReader.ReadFile(path).ToList();
        var fromPlain = ReadText(text);

        Assert.Equal(5, fromGzip.Count(l => l.IsValid));
        Assert.Equal(fromPlain.Select(l => l.Record), fromGzip.Select(l => l.Record));
    }

    [Fact]
    public void A_million_lines_are_read_in_bounded_memory()
    {
        const int lineCount = 1_000_000;
        var peak = 0L;
        var valid = 0;
        using var source = new GeneratedLinesStream(lineCount, i => ToCsvLine(i % 2 == 0 ? NormalHttp(i) : SynFlood(i), i % 2 == 0 ? "normal" : "neptune"));
        foreach (var line in KddCsvReader.Read(source))
        {
            if (line.IsValid)
            {
                valid++;
            }

            if (valid % 50_000 == 0)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
            }
        }

        Assert.Equal(lineCount, valid);
        Assert.True(peak < 128L * 1024 * 1024, $"managed heap reached {peak / (1024 * 1024)} MiB while streaming");
    }

    private static void AssertRejected(string line, string reason)
    {
        var good = ToCsvLine(SynFlood(), "neptune");
        var lines = ReadText(good + "\n" + line + "\n" + good + "\n");

        Assert.Equal(3, lines.Count);
        Assert.True(lines[0].IsValid);
        Assert.False(lines[1].IsValid);
        Assert.Equal(2, lines[1].LineNumber);
        Assert.StartsWith(reason, lines[1].Error, StringComparison.Ordinal);
        Assert.True(lines[2].IsValid);
    }

    /// <summary>Produces lines on demand, so a huge input never exists in memory or on disk.</summary>
    private sealed class GeneratedLinesStream(int count, Func<int, string> line) : ReadOnlyStream
    {
        private int _next;
        private byte[] _pending = [];
        private int _offset;

        public override int Read(byte[] buffer, int offset, int length)
        {
            if (_offset == _pending.Length)
            {
                if (_next == count)
                {
                    return 0;
                }

                _pending = Encoding.UTF8.GetBytes(line(_next++) + "\n");
                _offset = 0;
            }

            var n = Math.Min(length, _pending.Length - _offset);
            Array.Copy(_pending, _offset, buffer, offset, n);
            _offset += n;
            return n;
        }

    }
}
