using Siem.Store;
using Siem.Store.Events;

namespace Siem.Web.Hosting;

/// <summary>One place where the API turns input errors that services throw into 400 problem details.</summary>
public static class ApiErrors
{
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
