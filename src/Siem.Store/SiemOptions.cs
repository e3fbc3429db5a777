using System.ComponentModel.DataAnnotations;
using Siem.Domain.Incidents;
using Siem.Domain.Input;

namespace Siem.Store;

/// <summary>Settings under <c>Siem:</c> (environment: <c>Siem__DataDir</c>, <c>Siem__Admin__Password</c>, ...).</summary>
public sealed class SiemOptions
{
    public const string Section = "Siem";

    /// <summary>Folder for the SQLite database and uploads; relative paths are under the content root.</summary>
    [Required]
    public string DataDir { get; set; } = "data";

    /// <summary>The model to load (.onnx, card or folder); empty means the shipped models/ folder.</summary>
    public string? ModelPath { get; set; }

    public AdminOptions Admin { get; set; } = new();
    public BootstrapOptions Bootstrap { get; set; } = new();
    public IngestOptions Ingest { get; set; } = new();
    public IncidentOptions Incidents { get; set; } = new();
    public ModelTrainingOptions Training { get; set; } = new();
    public StoreOptions Store { get; set; } = new();
    public Notifications.NotificationOptions Notifications { get; set; } = new();
    public Retention.RetentionOptions Retention { get; set; } = new();
    public NodeOptions Node { get; set; } = new();
    public Ingest.FlowOptions Flows { get; set; } = new();
}

/// <summary>What this instance does when several share one store (README "Deploy").</summary>
public sealed class NodeOptions
{
    /// <summary>"web", "ingest" or both (default): web serves pages, the API and streams; ingest runs upload jobs, correlation, notifications and retention.</summary>
    public string Roles { get; set; } = "web,ingest";

    public bool Ingest => Roles.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Contains("ingest", StringComparer.OrdinalIgnoreCase);

    /// <summary>This node's name in job claims: unique per instance on one store (the machine's name by default; set it when two run on one machine).</summary>
    [Required]
    public string Name { get; set; } = Environment.MachineName;

    /// <summary>How often an ingest node looks for queued jobs (an upload to this node wakes it at once).</summary>
    public TimeSpan JobPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A running job whose node has not renewed its claim for this long is taken over by another ingest node.</summary>
    public TimeSpan ClaimTimeout { get; set; } = TimeSpan.FromSeconds(60);
}

public sealed class StoreOptions
{
    /// <summary>Sqlite (default: one file in the data folder) or Postgres (<see cref="ConnectionString"/>; several nodes can share it).</summary>
    public Persistence.StoreProvider Provider { get; set; } = Persistence.StoreProvider.Sqlite;

    /// <summary>The PostgreSQL connection string (Npgsql format: <c>Host=db;Database=siem;Username=siem;Password=...</c>); unused for SQLite.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Acknowledged (default): what the app acknowledges is fsynced first and survives a power cut. Relaxed: it survives a
    /// process crash only, and ingest is faster (README "Durability").
    /// </summary>
    public Persistence.StoreDurability Durability { get; set; } = Persistence.StoreDurability.Acknowledged;

    /// <summary>
    /// How long a count of a query's matches (up to 10,000) may take; past it the total is a lower bound ("1,000+"). The
    /// explorer page shows its rows first and counts after them, once per query; <c>/api/events</c> counts after its page
    /// unless asked not to (<c>count=false</c>). Matches spread thinly over millions of events cost a scan of most of
    /// them (50-330 ms on PostgreSQL at 5M events on 2 cores, README "Benchmarks"), growing with the store, so the count
    /// goes to 1,000 first (a short scan) and on to 10,000 in what is left. Zero: never count.
    /// </summary>
    public TimeSpan CountBudget { get; set; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>In-app retraining and the evaluation of uploaded models (Model page, <c>/api/models</c>).</summary>
public sealed class ModelTrainingOptions
{
    /// <summary>The KDD training file; empty means <c>SIEM_TRAINING_DATA</c> or <c>../shared/data/kddcup.data_10_percent.gz</c> above the app.</summary>
    public string? DataPath { get; set; }

    /// <summary>How many KDD records one site record weighs (see <c>siem train --site-weight</c>).</summary>
    [Range(0.001, 1_000_000)]
    public double SiteWeight { get; set; } = 10;

    /// <summary>Boosting iterations and leaves of the retrained model: the shipped model's by default.</summary>
    [Range(1, 10_000)]
    public int Iterations { get; set; } = 100;

    [Range(2, 1024)]
    public int Leaves { get; set; } = 31;

    /// <summary>Largest ONNX file an admin may upload.</summary>
    [Range(1, long.MaxValue)]
    public long MaxUploadedModelBytes { get; set; } = 256L * 1024 * 1024;
}

public sealed class AdminOptions
{
    [Required, EmailAddress]
    public string Email { get; set; } = "admin@siem.local";

    /// <summary>When empty, a strong password is generated at first start and logged once.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// Recovery of a lost admin password: at start, <see cref="Email"/> gets <see cref="Password"/> (or a generated one, logged
    /// once), is unlocked, enabled and made an Admin again. Remove the setting once signed in (README "Security").
    /// </summary>
    public bool ResetPassword { get; set; }
}

public sealed class BootstrapOptions
{
    /// <summary>When set, an admin-scope API key with exactly this value exists after start (for automation).</summary>
    public string? ApiKey { get; set; }
}

public sealed class IngestOptions
{
    [Range(1, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>A gzip'd upload is refused once it unpacks past this many bytes.</summary>
    [Range(1, long.MaxValue)]
    public long MaxUnpackedBytes { get; set; } = DecompressionLimit.DefaultMaxUnpackedBytes;

    /// <summary>... or past this many times its compressed size (gzip reaches ~1,000:1 on a bomb, 3-20:1 on real files).</summary>
    [Range(1, 1_000_000)]
    public int MaxCompressionRatio { get; set; } = DecompressionLimit.DefaultMaxCompressionRatio;

    public DecompressionLimit DecompressionLimit => new(MaxUnpackedBytes, MaxCompressionRatio);

    /// <summary>Records per write transaction of an upload job; empty: the store's own (<see cref="Persistence.StoreBackend.DefaultBatchSize"/>).</summary>
    [Range(16, 65536)]
    public int? BatchSize { get; set; }

    /// <summary>Batches waiting between reading and classification/writing (backpressure bound).</summary>
    [Range(1, 1024)]
    public int ChannelCapacity { get; set; } = 8;

    public int KeptRejections { get; set; } = 100;

    /// <summary>Batches of streamed records (POST /api/ingest) waiting to be written; past this the API answers 429.</summary>
    [Range(1, 100_000)]
    public int StreamQueueBatches { get; set; } = 64;

    /// <summary>Records per batch when streaming (smaller batches reach the live timeline sooner).</summary>
    [Range(1, 65536)]
    public int StreamBatchSize { get; set; } = 2000;

    /// <summary>Streaming requests read at once (each holds a reader thread while its sender is slow); more get 429 at once.</summary>
    [Range(1, 4096)]
    public int MaxConcurrentStreams { get; set; } = 32;

    /// <summary>How long a streaming request waits for room in the queue before answering 429.</summary>
    public TimeSpan SaturationWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Batches classified at once during ingest. One leaves the database writer (the bottleneck) a core.</summary>
    [Range(1, 64)]
    public int ClassificationParallelism { get; set; } = 1;

    /// <summary>Keep an upload's file once its job completed or was cancelled (its events are stored; a failed job's file is always kept, for Retry).</summary>
    public bool KeepUploadedFiles { get; set; }
}

public sealed class IncidentOptions
{
    /// <summary>Alerts of the same class and host join an open incident whose last alert is within this window.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A host's alert risk within the window that opens an incident (README "Incidents").</summary>
    [Range(0, 1_000_000)]
    public double OpenThreshold { get; set; } = RiskSettings.DefaultOpenThreshold;

    /// <summary>One alert at least this risky opens an incident by itself.</summary>
    [Range(0, 1_000_000)]
    public double SingleAlertThreshold { get; set; } = RiskSettings.DefaultSingleAlertThreshold;

    public RiskSettings Risk => new((long)Window.TotalMilliseconds, OpenThreshold, SingleAlertThreshold);
}
