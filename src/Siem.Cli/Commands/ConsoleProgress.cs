using System.Diagnostics;

namespace Siem.Cli.Commands;

/// <summary>Progress on stderr for long runs: a live line on a terminal, a line every 10 s when redirected.</summary>
internal sealed class ConsoleProgress(string what)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private TimeSpan _last;

    public void Report(long count, bool final = false)
    {
        var every = _interactive ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(10);
        if (!final && _clock.Elapsed - _last < every)
        {
            return;
        }

        _last = _clock.Elapsed;
        var rate = count / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
        var text = $"{count:N0} {what} in {_clock.Elapsed.TotalSeconds:F1}s ({rate:N0}/s)";
        if (_interactive)
        {
            Console.Error.Write($"\r{text}   {(final ? Environment.NewLine : "")}");
        }
        else if (final || count > 0)
        {
            Console.Error.WriteLine(text);
        }
    }
}
