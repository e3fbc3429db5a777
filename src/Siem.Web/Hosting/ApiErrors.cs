using Siem.Store;
using Siem.Store.Events;

namespace Siem.Web.Hosting;

/// <summary>One place where the API turns input errors that services throw into 400 problem details.</summary>
public static class ApiErrors
{
    /// <summary>The body limit of every API endpoint but uploads and streaming ingest.</summary>
    public const long SmallBodyBytes = 1024 * 1024;

    public const string DiskFullDetail =
        "The disk holding the data folder is full: nothing was stored from this request. Free space (or set Siem:Retention), then send it again; a failed job can be retried from where it stopped.";

    /// <summary>The status an unhandled exception on the API answers with (the body is problem details).</summary>
    public static int StatusOf(Exception exception) => exception switch
    {
        BadHttpRequestException bad => bad.StatusCode,
        Microsoft.AspNetCore.Connections.ConnectionResetException or OperationCanceledException => StatusCodes.Status408RequestTimeout,
        IOException io when io.HResult is 28 or unchecked((int)0x80070070) => StatusCodes.Status507InsufficientStorage, // ENOSPC / ERROR_DISK_FULL
        _ when Siem.Store.Persistence.StoreBackend.IsStoreFull(exception) => StatusCodes.Status507InsufficientStorage,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static async ValueTask<object?> TranslateInputErrors(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (InvalidInputException e)
        {
            return TypedResults.Problem(e.Message, title: "The request is not valid", statusCode: StatusCodes.Status400BadRequest);
        }
        catch (EventQueryException e)
        {
            return TypedResults.Problem(e.Message, title: "The query is not valid", statusCode: StatusCodes.Status400BadRequest);
        }
    }
}
