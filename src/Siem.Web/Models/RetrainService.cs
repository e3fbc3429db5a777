using System.Diagnostics;
using Microsoft.Extensions.Options;
using Siem.Store;
using Siem.Store.Models;
using Siem.Store.Persistence;
using Siem.Store.SiteLearning;
using Siem.Training;

namespace Siem.Web.Models;

public enum RetrainState
{
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>The last (or running) retrain: its stage, the trainer's log so far, and the version it made.</summary>
public sealed record RetrainStatus(
    long Run, RetrainState State, string Stage, DateTimeOffset StartedUtc, DateTimeOffset? FinishedUtc, string StartedBy,
    bool LeaveOneAttackOut, long SiteRecords, int? VersionId, string? Error, IReadOnlyList<string> Log)
{
    public double ElapsedSeconds(DateTimeOffset now) => ((FinishedUtc ?? now) - StartedUtc).TotalSeconds;
}

/// <summary>
/// Retrains the model in the background on the KDD training data plus the site's labelled set (weight
/// <see cref="ModelTrainingOptions.SiteWeight"/>), one run at a time, and registers the result as a new model version
/// (not activated: an admin compares and activates it). Training runs on a dedicated thread with ML.NET's trainers on
/// one thread (MlNetModel), so one core stays free for requests on a 2-core machine (README "Retraining" has the
/// figures); the admin can cancel it.
/// </summary>
public sealed class RetrainService(
    SiteLearningService site, ModelVersionService versions, IOptions<SiemOptions> options, TimeProvider time, ILogger<RetrainService> logger) : IDisposable
{
    private const int KeptLogLines = 200;
    private const string EmptySiteSet = "The site's labelled set is empty: mark an upload of normal traffic as a baseline, or close an incident as a false positive, first.";

    private readonly Lock _gate = new();
    private RetrainStatus? _status;
    private CancellationTokenSource? _cancel;
    private long _runs;
    private TaskCompletionSource? _holdBeforeTraining;

    /// <summary>Raised on every stage change and log line (from the training thread).</summary>
    public event Action<RetrainStatus>? Changed;

    public RetrainStatus? Status
    {
        get
        {
            lock (_gate)
            {
                return _status;
            }
        }
    }

    /// <summary>The run in progress, if any (awaitable by tests and the CLI-less bench).</summary>
    public Task? Running { get; private set; }

    /// <summary>For tests: the next run stops after exporting the site set until <see cref="ReleaseTraining"/> (a state to cancel in).</summary>
    public void HoldBeforeTraining() => _holdBeforeTraining = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseTraining() => _holdBeforeTraining?.TrySetResult();

    /// <summary>Starts a retrain; refused while one runs, without site data, or without the KDD training file.</summary>
    public async Task<RetrainStatus> StartAsync(string actor, bool leaveOneAttackOut, CancellationToken cancellationToken = default)
    {
        var dataPath = TrainingDataPath();
        if (!(await site.ListAsync(cancellationToken)).Any(f => f.Records > 0))
        {
            throw new InvalidInputException(EmptySiteSet);
        }

        lock (_gate)
        {
            if (_status is { State: RetrainState.Running })
            {
                throw new InvalidInputException($"A retrain started by {_status.StartedBy} is running (run {_status.Run}); cancel it or wait for it.");
            }

            _cancel?.Dispose();
            _cancel = new CancellationTokenSource();
            _status = new RetrainStatus(++_runs, RetrainState.Running, "exporting the site's labelled set", time.GetUtcNow(), null, actor, leaveOneAttackOut, 0, null, null, []);
            var token = _cancel.Token;
            var status = _status;
            Running = Task.Run(() => RunAsync(status.Run, actor, dataPath, leaveOneAttackOut, token), CancellationToken.None);
            return status;
        }
    }

    public bool Cancel()
    {
        lock (_gate)
        {
            if (_status is not { State: RetrainState.Running })
            {
                return false;
            }

            _cancel?.Cancel();
            return true;
        }
    }

    /// <summary>The KDD file retraining and evaluation read (<see cref="ModelTrainingOptions.DataPath"/>), or a clear error.</summary>
    public string TrainingDataPath()
    {
        var configured = options.Value.Training.DataPath;
        try
        {
            var path = string.IsNullOrWhiteSpace(configured) ? TrainingDataLocation.Default() : configured;
            return File.Exists(path) ? path : throw new FileNotFoundException($"The KDD training file {path} (Siem:Training:DataPath) does not exist.");
        }
        catch (FileNotFoundException e)
        {
            throw new InvalidInputException($"Retraining needs the KDD training data: {e.Message}");
        }
    }

    private async Task RunAsync(long run, string actor, string dataPath, bool leaveOneAttackOut, CancellationToken cancellationToken)
    {
        var folder = versions.NewVersionFolder(ModelVersionKind.Retrained);
        var settings = options.Value.Training;
        try
        {
            var sitePath = Path.Combine(folder, "site-training-set.csv");
            long siteRecords;
            await using (var file = File.Create(sitePath))
            {
                siteRecords = await site.ExportAsync(file, cancellationToken);
            }

            if (siteRecords == 0)
            {
                throw new InvalidInputException(EmptySiteSet);
            }

            Update(run, s => s with { SiteRecords = siteRecords, Stage = "training" });
            if (_holdBeforeTraining is { } hold)
            {
                _holdBeforeTraining = null;
                Update(run, s => s with { Stage = "held before training (test)" });
                await hold.Task.WaitAsync(cancellationToken);
            }

            var training = new TrainingOptions
            {
                DataPath = dataPath,
                OutputDirectory = folder,
                CompareTrainers = false,
                LeaveOneAttackOut = leaveOneAttackOut,
                SitePaths = [sitePath],
                SiteWeight = settings.SiteWeight,
                Trainer = new TrainerSettings { Iterations = settings.Iterations, Leaves = settings.Leaves },
                Cancellation = cancellationToken,
            };
            var log = new ProgressWriter(line => Update(run, s => s with { Stage = line.Trim(), Log = [.. s.Log.TakeLast(KeptLogLines - 1), line] }));
            var clock = Stopwatch.StartNew();
            var card = await Task.Factory.StartNew(() => ModelTrainer.Train(training, log), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var source = FormattableString.Invariant(
                $"{card.TrainingData?.File} + the site's labelled set ({siteRecords:N0} records, weight {settings.SiteWeight:0.###}); {card.Trainer?.Name}, {clock.Elapsed.TotalSeconds:F0}s") +
                (leaveOneAttackOut ? ", policy searched on leave-one-attack-out folds" : ", the shipped decision policy");
            var version = await versions.RegisterAsync(ModelVersionKind.Retrained, Path.Combine(folder, Siem.Detection.Model.ModelFiles.DefaultModelName + Siem.Detection.Model.ModelFiles.CardExtension),
                $"Retrained {time.GetUtcNow():yyyy-MM-dd HH:mm}", actor, source, CancellationToken.None);
            logger.LogInformation("Retrain {Run} by {Actor} made model version {Version} in {Seconds:F0}s", run, actor, version.Id, clock.Elapsed.TotalSeconds);
            Finish(run, RetrainState.Succeeded, $"made version {version.Id}", version.Id, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            DeleteQuietly(folder);
            Finish(run, RetrainState.Cancelled, "cancelled", null, null);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Retrain {Run} failed", run);
            DeleteQuietly(folder);
            Finish(run, RetrainState.Failed, "failed", null, e.Message);
        }
    }

    private void Update(long run, Func<RetrainStatus, RetrainStatus> change)
    {
        RetrainStatus? changed = null;
        lock (_gate)
        {
            if (_status is { } status && status.Run == run)
            {
                _status = changed = change(status);
            }
        }

        if (changed is not null)
        {
            Changed?.Invoke(changed);
        }
    }

    private void Finish(long run, RetrainState state, string stage, int? version, string? error) =>
        Update(run, s => s with { State = state, Stage = stage, VersionId = version, Error = error, FinishedUtc = time.GetUtcNow() });

    private void DeleteQuietly(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException e)
        {
            logger.LogWarning(e, "Could not remove {Folder}", folder);
        }
    }

    /// <summary>The trainer's log, line by line, as progress.</summary>
    private sealed class ProgressWriter(Action<string> onLine) : TextWriter
    {
        private readonly System.Text.StringBuilder _line = new();

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value)
        {
            if (value == '\n')
            {
                foreach (var line in _line.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    onLine(line.TrimEnd('\r'));
                }

                _line.Clear();
            }
            else
            {
                _line.Append(value);
            }
        }
    }

    public void Dispose() => _cancel?.Dispose();
}
