using Siem.Store;
using Siem.Store.Identity;
using Siem.Store.Models;

namespace Siem.Web.Models;

public sealed record ActivateRequest(string? OverrideReason = null);

public sealed record RetrainRequest(bool LeaveOneAttackOut = false);

/// <summary>Model versions: list (Viewers), activate, roll back, retrain and upload (Admins). Thin: parse, call the service, map.</summary>
public static class ModelEndpoints
{
    public static void MapModelEndpoints(this RouteGroupBuilder api)
    {
        var models = api.MapGroup("/models").RequireAuthorization(SiemPolicies.Read);
        models.MapGet("/", async (ModelVersionService service, CancellationToken ct) => TypedResults.Ok(await service.ListAsync(ct)))
            .WithSummary("Model versions (shipped, retrained, uploaded) with their figures; exactly one is active");
        models.MapGet("/{id:int}", async Task<IResult> (int id, ModelVersionService service, CancellationToken ct) =>
            await service.GetAsync(id, ct) is { } version ? TypedResults.Ok(version) : NotFound($"There is no model version {id}."));
        models.MapPost("/{id:int}/activate", async (int id, ActivateRequest? request, ModelVersionService service, HttpContext context, CancellationToken ct) =>
                Map(await service.ActivateAsync(id, Actor(context), request?.OverrideReason, ct)))
            .RequireAuthorization(SiemPolicies.Administer)
            .WithSummary("Classify new records with this version; refused (409) when it loses more than 1 point of attack recall on the KDD held-out split, unless overrideReason is given (audited)");
        models.MapPost("/rollback", async (ActivateRequest? request, ModelVersionService service, HttpContext context, CancellationToken ct) =>
                Map(await service.RollbackAsync(Actor(context), request?.OverrideReason, ct)))
            .RequireAuthorization(SiemPolicies.Administer)
            .WithSummary("Activate the version that was active before the current one");
        models.MapPost("/", UploadAsync).RequireAuthorization(SiemPolicies.Administer).DisableAntiforgery()
            .WithSummary("Upload an ONNX model (form field 'model') with its card ('card', a .model.json) and an optional 'name': checked, evaluated on the KDD held-out split, registered (not activated)");

        var retrain = models.MapGroup("/retrain").RequireAuthorization(SiemPolicies.Administer);
        retrain.MapPost("/", async (RetrainRequest? request, RetrainService service, HttpContext context, CancellationToken ct) =>
                TypedResults.Accepted("/api/models/retrain", await service.StartAsync(Actor(context), request?.LeaveOneAttackOut ?? false, ct)))
            .WithSummary("Retrain in the background on the KDD data plus the site's labelled set; the result is a new version to activate");
        retrain.MapGet("/", IResult (RetrainService service) => service.Status is { } status ? TypedResults.Ok(status) : NotFound("No retrain has run since the app started."));
        retrain.MapDelete("/", IResult (RetrainService service) => service.Cancel() ? TypedResults.Accepted("/api/models/retrain") : NotFound("No retrain is running."));
    }

    private static async Task<IResult> UploadAsync(HttpRequest request, ModelUploadService uploads, HttpContext context, CancellationToken ct)
    {
        if (!request.HasFormContentType)
        {
            return TypedResults.Problem("Send a multipart form with the fields 'model' (.onnx) and 'card' (.model.json).", statusCode: StatusCodes.Status400BadRequest);
        }

        var form = await request.ReadFormAsync(ct);
        if (form.Files.GetFile("model") is not { } model || form.Files.GetFile("card") is not { } card)
        {
            return TypedResults.Problem("Send both form fields 'model' (.onnx) and 'card' (.model.json).", statusCode: StatusCodes.Status400BadRequest);
        }

        await using var modelStream = model.OpenReadStream();
        await using var cardStream = card.OpenReadStream();
        var version = await uploads.UploadAsync(modelStream, model.Length, cardStream, card.Length, form["name"].FirstOrDefault(), Actor(context), ct);
        return TypedResults.Created($"/api/models/{version.Id}", version);
    }

    private static IResult Map(ActivationResult result) => result.Status switch
    {
        ActivationStatus.Activated or ActivationStatus.AlreadyActive => TypedResults.Ok(result),
        ActivationStatus.NotFound => NotFound(result.Message!),
        ActivationStatus.Refused => TypedResults.Problem(result.Message, statusCode: StatusCodes.Status409Conflict, title: "Guardrail: activation refused"),
        _ => TypedResults.Problem(result.Message, statusCode: StatusCodes.Status422UnprocessableEntity, title: "The version does not load"),
    };

    private static IResult NotFound(string message) => TypedResults.Problem(message, statusCode: StatusCodes.Status404NotFound);

    private static string Actor(HttpContext context) => context.User.Identity?.Name ?? "unknown";
}
