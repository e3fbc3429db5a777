using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using Siem.Store.Notifications;
using Siem.Store.Persistence;

namespace Siem.Web.Components.Pages;

public partial class Notifications
{
    private readonly List<BreadcrumbItem> _breadcrumbs = [new("Dashboard", "/"), new("Notifications", null, disabled: true)];
    private IReadOnlyList<NotificationRuleView>? _rules;
    private IReadOnlyList<DeliveryView> _deliveries = [];
    private bool _testing;
    private bool _interactive;

    [Inject] private NotificationService Service { get; set; } = default!;
    [Inject] private AuthenticationStateProvider Authentication { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    protected override Task OnInitializedAsync() => ReloadAsync();

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            _interactive = true;
            StateHasChanged();
        }
    }

    private async Task ReloadAsync()
    {
        _rules = await Service.ListAsync();
        _deliveries = await Service.DeliveriesAsync();
    }

    private async Task SendTestAsync(NotificationRuleView rule)
    {
        _testing = true;
        try
        {
            var delivery = await Service.SendTestAsync(rule.Id, await ActorAsync());
            if (delivery is not null)
            {
                Snackbar.Add($"Test to '{rule.Name}': {delivery.Status}, {delivery.LastResult}",
                    delivery.Status == DeliveryStatus.Delivered ? Severity.Success : Severity.Error);
            }
        }
        finally
        {
            _testing = false;
        }

        await ReloadAsync();
    }

    private async Task ToggleAsync(NotificationRuleView rule)
    {
        await Service.SetEnabledAsync(rule.Id, !rule.Enabled, await ActorAsync());
        await ReloadAsync();
    }

    private async Task DeleteAsync(NotificationRuleView rule)
    {
        await Service.DeleteAsync(rule.Id, await ActorAsync());
        Snackbar.Add($"Rule '{rule.Name}' deleted", Severity.Success);
        await ReloadAsync();
    }

    private async Task<string> ActorAsync() => (await Authentication.GetAuthenticationStateAsync()).User.Identity?.Name ?? "unknown";
}
