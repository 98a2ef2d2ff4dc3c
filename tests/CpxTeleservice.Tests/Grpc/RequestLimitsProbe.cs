using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace CpxTeleservice.Tests.Grpc;

/// <summary>
/// Records, once a request has been handled, the body limits Kestrel applied to it: what the gRPC
/// server left in place or lifted for that method.
/// </summary>
public sealed class RequestLimitsProbe : IStartupFilter
{
    // (Kestrel's HTTP/2 streams accept a minimum data rate but cannot read it back: only the body size is observable.)
    public sealed record Limits(long? MaxRequestBodySize);

    public ConcurrentDictionary<string, Limits> ByPath { get; } = new();

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, call) =>
        {
            try
            {
                await call(context);
            }
            finally
            {
                ByPath[context.Request.Path] = new Limits(context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize);
            }
        });
        next(app);
    };
}
