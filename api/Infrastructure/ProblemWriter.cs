using Microsoft.AspNetCore.Mvc;

namespace CpxTeleservice.Infrastructure;

public static class ProblemWriter
{
    public static async Task WriteAsync(HttpContext context, int status, string type, string title, string? detail)
    {
        context.Response.StatusCode = status;
        var service = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await service.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail },
        });
    }
}
