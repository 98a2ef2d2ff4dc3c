using CpxTeleservice.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CpxTeleservice.Bench;

/// <summary>
/// The ceilings of the benchmarks (bench/, BENCHMARKS.md): an endpoint behind the same mutual-TLS
/// card authentication as every /api/v1 route (the registry read included) that does nothing else, and
/// a gRPC stream (<c>cpx.bench.v1.BenchAck/Ack</c>) that acknowledges every registration it reads and
/// does nothing else. Mapped only when <c>Bench__BareEndpoint=true</c>, and never part of the API
/// description.
/// </summary>
public static class BenchApi
{
    public static RouteGroupBuilder MapBenchApi(this RouteGroupBuilder api)
    {
        if (((IEndpointRouteBuilder)api).ServiceProvider.GetRequiredService<IOptions<BenchOptions>>().Value.BareEndpoint)
        {
            api.MapGet("/bench/bare", Bare).WithName("BenchBare").ExcludeFromDescription();
        }

        return api;
    }

    public static IEndpointRouteBuilder MapBenchGrpc(this IEndpointRouteBuilder endpoints)
    {
        if (endpoints.ServiceProvider.GetRequiredService<IOptions<BenchOptions>>().Value.BareEndpoint)
        {
            endpoints.MapGrpcService<BenchAckService>().AllowAnonymous().ExcludeFromDescription();
        }

        return endpoints;
    }

    private static Ok<BareResponse> Bare(Caller caller) => TypedResults.Ok(new BareResponse(caller.IdNat));
}
