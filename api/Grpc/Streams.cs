using System.IO.Pipelines;
using Google.Protobuf;

namespace CpxTeleservice.Grpc;

/// <summary>The messages a client streams, read one at a time (Grpc.Core's IAsyncStreamReader).</summary>
public interface IAsyncStreamReader<out T>
{
    /// <summary>The message read by the last <see cref="MoveNext"/> that returned true.</summary>
    T Current { get; }

    /// <summary>Reads the next message: false at the end of the client's stream (half-close).</summary>
    Task<bool> MoveNext(CancellationToken cancellationToken);
}

/// <summary>The messages a server streams (Grpc.Core's IServerStreamWriter). Writes are serialised.</summary>
public interface IServerStreamWriter<in T>
{
    Task WriteAsync(T message);
}

public static class AsyncStreamReaderExtensions
{
    /// <summary>The client's messages as an async sequence, as Grpc.Core's <c>ReadAllAsync</c>.</summary>
    public static async IAsyncEnumerable<T> ReadAllAsync<T>(this IAsyncStreamReader<T> reader,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await reader.MoveNext(cancellationToken))
        {
            yield return reader.Current;
        }
    }
}

/// <summary>Reads Length-Prefixed-Messages from the request body pipe and parses them with <typeparamref name="T"/>'s parser.</summary>
internal sealed class PipeStreamReader<T>(HttpContextServerCallContext call, PipeReader body, MessageParser<T> parser) : IAsyncStreamReader<T>
    where T : IMessage<T>
{
    private T? _current;
    private bool _ended;

    public T Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (_ended)
        {
            return false;
        }

        using var linked = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, call.CancellationToken)
            : null;
        var token = linked?.Token ?? call.CancellationToken;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await body.ReadAsync(token);
            }
            catch (Exception exception) when (exception is not OperationCanceledException && call.IsCancelledOrCompleted)
            {
                // The stream was reset by the client, or ended by the deadline: the handler stops here.
                throw new OperationCanceledException("The call has ended.", exception, call.CancellationToken);
            }

            if (result.IsCanceled)
            {
                throw new OperationCanceledException(token);
            }

            var buffer = result.Buffer;
            Frame frame;
            try
            {
                if (!MessageFraming.TryReadFrame(buffer, call.MaxReceiveMessageSize, out frame))
                {
                    if (result.IsCompleted)
                    {
                        body.AdvanceTo(buffer.End);
                        _ended = true;
                        if (buffer.Length == 0)
                        {
                            return false;
                        }

                        // EOF inside a Length-Prefixed-Message: grpc-dotnet answers INTERNAL "Incomplete message."
                        throw new RpcException(StatusCode.Internal, "Incomplete message.");
                    }

                    // Nothing consumed, everything examined: wait for more data.
                    body.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }
            }
            catch (RpcException) when (!_ended)
            {
                body.AdvanceTo(buffer.Start, buffer.End);
                _ended = true;
                throw;
            }

            try
            {
                var payload = MessageFraming.Decode(frame, call.RequestEncoding, call.MaxReceiveMessageSize);
                _current = parser.ParseFrom(payload);
            }
            catch (InvalidProtocolBufferException)
            {
                _ended = true;
                throw new RpcException(StatusCode.Internal, "Failed to deserialize request message.");
            }
            catch (RpcException)
            {
                _ended = true;
                throw;
            }
            finally
            {
                body.AdvanceTo(frame.End);
            }

            return true;
        }
    }
}

/// <summary>Writes Length-Prefixed-Messages to the response body, one flush per message (the client sees each at once).</summary>
internal sealed class PipeStreamWriter<T>(HttpContextServerCallContext call) : IServerStreamWriter<T>
    where T : IMessage<T>
{
    public Task WriteAsync(T message) => call.WriteMessageAsync(message);
}
