using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using Siem.Store;
using Siem.Store.Models;
using Siem.Web.Models;

namespace Siem.Web.Components.Models;

public partial class ModelVersionsPanel
{
    /// <summary>Retrain progress repaints at most this often (the trainer logs in bursts).</summary>
    private static readonly TimeSpan MinimumRepaintInterval = TimeSpan.FromMilliseconds(500);

    private IReadOnlyList<ModelVersionView>? _versions;
    private RetrainStatus? _retrain;
    private (Severity Severity, string Text)? _message;
    private int? _refused;
    private string? _overrideReason;
    private bool _showUpload;
    private bool _searchPolicy;
    private DateTime _lastRepaint;

    [Inject] private ModelVersionService Versions { get; set; } = default!;
    [Inject] private RetrainService Retrains { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState>? Auth { get; set; }

    /// <summary>Raised after the active version changed, so the page can show the new card.</summary>
    [Parameter] public EventCallback OnActivated { get; set; }

    private bool Retraining => _retrain?.State == RetrainState.Running;

    protected override async Task OnInitializedAsync()
    {
        _retrain = Retrains.Status;
        Retrains.Changed += OnRetrainChanged;
        _versions = await Versions.ListAsync();
    }

    private void OnRetrainChanged(RetrainStatus status)
    {
        var finished = status.State != RetrainState.Running;
        if (!finished && DateTime.UtcNow - _lastRepaint < MinimumRepaintInterval)
        {
            return;
        }

        _lastRepaint = DateTime.UtcNow;
        _ = InvokeAsync(async () =>
        {
            _retrain = status;
            if (finished)
            {
                _versions = await Versions.ListAsync();
            }

            StateHasChanged();
        });
    }

    private async Task RetrainAsync()
    {
        try
        {
            _retrain = await Retrains.StartAsync(await ActorAsync(), _searchPolicy);
            _message = null;
        }
        catch (InvalidInputException e)
        {
            _message = (Severity.Warning, e.Message);
        }
    }

    private void CancelRetrain() => Retrains.Cancel();

    private async Task ActivateAsync(int id, string? reason)
    {
        var result = await Versions.ActivateAsync(id, await ActorAsync(), reason);
        await ShowAsync(result);
    }

    private async Task RollbackAsync() => await ShowAsync(await Versions.RollbackAsync(await ActorAsync(), null));

    private async Task ShowAsync(ActivationResult result)
    {
        _refused = result.Status == ActivationStatus.Refused ? result.Version?.Id : null;
        _overrideReason = null;
        _message = result.Status switch
        {
            ActivationStatus.Activated => (result.Message is null ? Severity.Success : Severity.Warning, $"Version {result.Version!.Id} is active: new records are classified with it. {result.Message}"),
            ActivationStatus.AlreadyActive => (Severity.Info, result.Message!),
            _ => (result.Status == ActivationStatus.Refused ? Severity.Warning : Severity.Error, result.Message!),
        };
        _versions = await Versions.ListAsync();
        if (result.Status == ActivationStatus.Activated)
        {
            await OnActivated.InvokeAsync();
        }
    }

    private async Task OnUploadedAsync(ModelVersionView version)
    {
        _showUpload = false;
        _message = (Severity.Success, $"Uploaded as version {version.Id} ({version.Name}); compare its figures, then activate it.");
        _versions = await Versions.ListAsync();
    }

    private async Task<string> ActorAsync() => Auth is null ? "unknown" : (await Auth).User.Identity?.Name ?? "unknown";

    private static string Percent(double? value, string format) => value is { } v ? v.ToString(format, System.Globalization.CultureInfo.CurrentCulture) : "–";

    private static Severity RetrainSeverity(RetrainState state) => state switch
    {
        RetrainState.Running => Severity.Info,
        RetrainState.Succeeded => Severity.Success,
        RetrainState.Cancelled => Severity.Normal,
        _ => Severity.Error,
    };

    public void Dispose() => Retrains.Changed -= OnRetrainChanged;
}
