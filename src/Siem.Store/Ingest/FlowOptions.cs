using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Siem.Store.Ingest;

/// <summary>The NetFlow v9 / IPFIX collector (<c>Siem:Flows</c>): off unless a port is set.</summary>
public sealed class FlowOptions
{
    /// <summary>UDP port to listen on (2055, 4739 and 9995 are usual); null: no collector. 0 picks a free port (tests).</summary>
    [Range(0, 65535)]
    public int? Port { get; set; }

    /// <summary>Address to listen on.</summary>
    public string ListenAddress { get; set; } = "0.0.0.0";

    /// <summary>Exporters whose datagrams are read: addresses or CIDR ranges ("10.0.0.0/8"). Empty: any exporter (the log says so).</summary>
    public List<string> AllowedExporters { get; set; } = [];

    /// <summary>Datagrams waiting to be decoded; past this, datagrams are dropped and counted (UDP cannot be told to wait).</summary>
    [Range(1, 1_000_000)]
    public int QueueDatagrams { get; set; } = 8192;

    /// <summary>A template not resent for this long is forgotten (exporters resend them every few minutes or packets).</summary>
    public TimeSpan TemplateLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long one direction of a connection waits for the other before it is recorded alone.</summary>
    public TimeSpan StitchWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Records per batch classified and stored; a partial batch is stored after <see cref="StitchWait"/> too.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 2048;

    /// <summary>Bytes of the socket's receive buffer (the kernel drops what does not fit while the collector is busy; those are counted too, on Linux).</summary>
    [Range(65_536, int.MaxValue)]
    public int ReceiveBufferBytes { get; set; } = 8 * 1024 * 1024;

    public IReadOnlyList<(IPAddress Network, int PrefixLength)> ParseAllowed() =>
        [.. AllowedExporters.Select(text =>
        {
            if (IPNetwork.TryParse(text.Contains('/', StringComparison.Ordinal) ? text : text + (text.Contains(':', StringComparison.Ordinal) ? "/128" : "/32"), out var network))
            {
                return (network.BaseAddress, network.PrefixLength);
            }

            throw new InvalidOperationException($"Siem:Flows:AllowedExporters: '{text}' is neither an IP address nor a CIDR range.");
        })];
}
