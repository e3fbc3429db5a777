using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Siem.Domain.Records;
using Siem.Store.Models;
using Siem.Store.Persistence;

namespace Siem.Web.Hosting;

/// <summary>
/// <c>/healthz</c>: the process answers (liveness, no dependencies). <c>/readyz</c>: the store answers a query and
/// the model classifies a record (readiness: send traffic here). Both anonymous, for load balancers and orchestrators.
/// </summary>
public static class HealthEndpoints
{
    private const string Ready = "ready";

    public static IServiceCollection AddSiemHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<StoreHealthCheck>("store", tags: [Ready])
            .AddCheck<ModelHealthCheck>("model", tags: [Ready]);
        return services;
    }

    public static void MapSiemHealthChecks(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(Ready) }).AllowAnonymous();
    }

    private sealed class StoreHealthCheck(IDbContextFactory<SiemDbContext> databases) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            await using var db = await databases.CreateDbContextAsync(cancellationToken);
            if (!await db.Database.CanConnectAsync(cancellationToken))
            {
                return HealthCheckResult.Unhealthy("the store does not answer");
            }

            await db.Jobs.AsNoTracking().Select(j => j.Id).FirstOrDefaultAsync(cancellationToken); // the schema is there, not only the file
            return HealthCheckResult.Healthy("the store answers");
        }
    }

    private sealed class ModelHealthCheck(ActiveModel models) : IHealthCheck
    {
        private static readonly ConnectionRecord Probe = ConnectionRecord.FromFeatures("tcp", "http", "SF", new double[KddFeatures.NumericCount]);

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var (version, classifier) = models.Current;
            return Task.FromResult(classifier.Classify(Probe).Scores.Length == classifier.Labels.Count
                ? HealthCheckResult.Healthy($"model version {version} ({classifier.Card.Name}) classifies")
                : HealthCheckResult.Unhealthy("the model gave no scores"));
        }
    }
}
