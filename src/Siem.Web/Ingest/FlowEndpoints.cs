using Siem.Store.Identity;
using Siem.Store.Ingest;

namespace Siem.Web.Ingest;

public static class FlowEndpoints
{
    public static void MapFlowEndpoints(this RouteGroupBuilder api) =>
        api.MapGet("/flows", (FlowCollector collector) => TypedResults.Ok(collector.Status()))
            .RequireAuthorization(SiemPolicies.Read)
            .WithSummary("The NetFlow v9 / IPFIX collector: datagrams received, refused, dropped (queue full, or by the kernel), malformed, records stored, per exporter");
}
