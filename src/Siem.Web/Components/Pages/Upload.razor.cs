using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;
using MudBlazor;
using Siem.Store;
using Siem.Store.Ingest;
using Siem.Store.Live;
using Siem.Web.Components.Presentation;
using Siem.Web.Components.Shared;
using Siem.Web.Hosting;
using Siem.Web.Ingest;
using Siem.Web.Live;

namespace Siem.Web.Components.Pages;

/// <summary>Upload a file (streamed by JS to POST /api/uploads), then follow its job live to its summary.</summary>
public partial class Upload
{
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private AntiforgeryStateProvider Antiforgery { get; set; } = default!;
    [Inject] private LiveNotifier Live { get; set; } = default!;
    [Inject] private JobService Jobs { get; set; } = default!;
    [Inject] private IOptions<SiemOptions> Options { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider Authentication { get; set; } = default!;

    private readonly List<BreadcrumbItem> _breadcrumbs = [new("Dashboard", "/"), new("Upload", null, disabled: true)];
    private ElementReference _zone;
    private ElementReference _input;
    private DotNetObjectReference<Upload>? _self;
    private IDisposable? _subscription;
    private JobHistory? _history;
    private string? _uploadName;
    private long _uploaded;
    private long _uploadTotal;
    private string? _error;
    private JobView? _job;
    private double _rate;
    private long? _estimatedTotal;

    private bool _replay;
    private int _replayRate = 1000;

    private long MaxUploadBytes => Options.Value.Ingest.MaxUploadBytes;

    private string UploadUrl => _replay ? $"/api/uploads?replayRate={Math.Max(1, _replayRate)}" : "/api/uploads";

    private double ProgressPercent => _job is { } job && _estimatedTotal is { } total && total > 0 ? Math.Min(100, 100.0 * job.Read / total) : 0;

    private string Eta => _job is { Status: "Running" } job && _estimatedTotal is { } total && total > 0 && _rate > 0
        ? TimeSpan.FromSeconds(Math.Max(0, (total - job.Read) / _rate)).ToString(@"hh\:mm\:ss")
        : "—";

    protected override void OnInitialized() => _subscription = Live.Subscribe(OnLiveUpdateAsync);

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            _self = DotNetObjectReference.Create(this);
            var token = Antiforgery.GetAntiforgeryToken();
            var module = await JS.InvokeAsync<IJSObjectReference>("import", "/" + Assets["js/upload.js"]);
            await module.InvokeVoidAsync("init", _zone, _input, _self, "RequestVerificationToken", token?.Value ?? "");
        }
    }

    [JSInvokable]
    public Task OnUploadStarted(string name, long size) => InvokeAsync(() =>
    {
        (_uploadName, _uploaded, _uploadTotal, _error, _job) = (name, 0, size, null, null);
        if (size > MaxUploadBytes)
        {
            _error = $"{name} is {Format.Bytes(size)}; the limit is {Format.Bytes(MaxUploadBytes)}.";
        }

        StateHasChanged();
    });

    [JSInvokable]
    public Task OnUploadProgress(long loaded, long total) => InvokeAsync(() =>
    {
        (_uploaded, _uploadTotal) = (loaded, total);
        StateHasChanged();
    });

    [JSInvokable]
    public async Task OnUploadFinished(int status, string body)
    {
        await InvokeAsync(async () =>
        {
            if (status == 202 && System.Text.Json.JsonSerializer.Deserialize<JobView>(body, JsonOptions) is { } job)
            {
                _job = job;
                Snackbar.Add($"{job.FileName} uploaded: job {job.Id} queued", MudBlazor.Severity.Success);
                await ReloadJobAsync();
            }
            else
            {
                _error = ProblemText(status, body);
                _uploadName = null;
            }

            StateHasChanged();
        });
    }

    private async Task OnLiveUpdateAsync(LiveUpdate update)
    {
        if (_job is null || update.Jobs.FirstOrDefault(j => j.JobId == _job.Id) is not { } progress)
        {
            return;
        }

        await InvokeAsync(async () =>
        {
            _rate = progress.RecordsPerSecond;
            _estimatedTotal = progress.EstimatedTotalLines;
            _job = _job with
            {
                Status = progress.Status,
                Read = progress.Read,
                Classified = progress.Classified,
                Rejected = progress.Rejected,
                Alerts = progress.Alerts,
            };
            if (progress.Status is not ("Running" or "Queued"))
            {
                await ReloadJobAsync();
            }

            StateHasChanged();
        });
    }

    private async Task ReloadJobAsync()
    {
        if (_job is null)
        {
            return;
        }

        if (await Jobs.GetAsync(_job.Id) is not { } job)
        {
            return;
        }

        _job = job;
        if (job is { StartedUtc: { } started, FinishedUtc: { } finished } && finished > started)
        {
            _rate = job.Read / (finished - started).TotalSeconds;
        }

        if (job.Status is not ("Running" or "Queued") && _history is not null)
        {
            await _history.ReloadAsync();
        }
    }

    private async Task SetPausedAsync(bool paused)
    {
        if (_job is null)
        {
            return;
        }

        if (await Jobs.SetPausedAsync(_job.Id, paused) is JobActionResult.Done done)
        {
            _job = _job with { Paused = done.Job.Paused };
            Snackbar.Add(paused ? $"Replay of job {_job.Id} paused" : $"Replay of job {_job.Id} resumed", MudBlazor.Severity.Info);
        }
    }

    private async Task CancelAsync()
    {
        if (_job is null)
        {
            return;
        }

        var actor = (await Authentication.GetAuthenticationStateAsync()).User.Identity?.Name ?? "unknown";
        var result = await Jobs.RequestCancelAsync(_job.Id, actor);
        Snackbar.Add(result is JobActionResult.Done ? $"Cancelling job {_job.Id}" : $"Job {_job.Id} has already finished",
            MudBlazor.Severity.Info);
        await ReloadJobAsync();
    }

    private static readonly System.Text.Json.JsonSerializerOptions JsonOptions = new(System.Text.Json.JsonSerializerDefaults.Web);

    private static string ProblemText(int status, string body)
    {
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(body);
            if (json.RootElement.TryGetProperty("detail", out var detail))
            {
                return $"Upload refused ({status}): {detail.GetString()}";
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }

        return status == 0 ? body : $"Upload refused ({status}).";
    }

    public ValueTask DisposeAsync()
    {
        _subscription?.Dispose();
        _self?.Dispose();
        return ValueTask.CompletedTask;
    }
}
