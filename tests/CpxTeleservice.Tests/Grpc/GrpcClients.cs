using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CpxTeleservice.DevPki;
using CpxTeleservice.Intake.V1;
using CpxTeleservice.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace CpxTeleservice.Tests.Grpc;

/// <summary>The intake methods as a client calls them (the service's project generates the server side only).</summary>
public static class IntakeMethods
{
    private static Marshaller<T> For<T>(MessageParser<T> parser) where T : IMessage<T> => Marshallers.Create(m => m.ToByteArray(), parser.ParseFrom);

    public static readonly Method<ProfessionalRegistration, RegistrationAck> StreamRegistrations = new(
        MethodType.DuplexStreaming, "cpx.intake.v1.OrdreIntake", "StreamRegistrations", For(ProfessionalRegistration.Parser), For(RegistrationAck.Parser));

    public static readonly Method<AdeliRegistration, RegistrationAck> StreamAdeliRegistrations = new(
        MethodType.DuplexStreaming, "cpx.intake.v1.ArsIntake", "StreamAdeliRegistrations", For(AdeliRegistration.Parser), For(RegistrationAck.Parser));

    public static readonly Method<VisaDecision, VisaAck> StreamVisaDecisions = new(
        MethodType.DuplexStreaming, "cpx.intake.v1.ArsIntake", "StreamVisaDecisions", For(VisaDecision.Parser), For(VisaAck.Parser));

    /// <summary>Sends every record, half-closes, and returns the acks (or throws the call's <see cref="RpcException"/>).</summary>
    public static async Task<List<TAck>> StreamAsync<TRecord, TAck>(this GrpcChannel channel, Method<TRecord, TAck> method, IEnumerable<TRecord> records, Metadata? headers = null)
        where TRecord : class where TAck : class
    {
        using var call = channel.CreateCallInvoker().AsyncDuplexStreamingCall(method, null, new CallOptions(headers, DateTime.UtcNow.AddSeconds(60)));
        var reading = Task.Run(async () =>
        {
            var acks = new List<TAck>();
            await foreach (var ack in call.ResponseStream.ReadAllAsync())
            {
                acks.Add(ack);
            }

            return acks;
        });
        try
        {
            foreach (var record in records)
            {
                await call.RequestStream.WriteAsync(record);
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception) when (!reading.IsCompletedSuccessfully)
        {
            // The server ended the call first: its status is what the reader sees.
        }

        return await reading;
    }
}

/// <summary>Grpc.Net.Client channels to a test host over its real TLS port.</summary>
public static class GrpcChannels
{
    /// <summary>A channel whose handshakes present <paramref name="certificate"/> (none when null).</summary>
    public static GrpcChannel Channel(this ServiceHost host, X509Certificate2? certificate) =>
        GrpcChannel.ForAddress(host.BaseAddress, new GrpcChannelOptions { HttpClient = host.CreateClient(certificate), DisposeHttpClient = true });

    /// <summary>
    /// An organisation certificate issued by the test organisation CA, with the chosen name, validity
    /// and extended key usage: the variants the intake must refuse.
    /// </summary>
    public static X509Certificate2 Organisation(string ou, string commonName, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null,
        string extendedKeyUsage = "1.3.6.1.5.5.7.3.2", X509KeyUsageFlags keyUsage = X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment)
    {
        var ca = TestPki.Current.OrganisationCa;
        using var key = RSA.Create(2048);
        var name = new X500DistinguishedNameBuilder();
        name.AddCountryOrRegion("FR");
        name.AddOrganizationName("ORGANISATION DE TEST");
        name.AddOrganizationalUnitName(ou);
        name.AddCommonName(commonName);
        var request = new CertificateRequest(name.Build(), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(keyUsage, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new System.Security.Cryptography.Oid(extendedKeyUsage)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca.Certificate, true, false));
        using var issuer = ca.Certificate.CopyWithPrivateKey(ca.Key);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(issuer, notBefore ?? DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddYears(1), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        // A certificate whose key the TLS stack can use on every platform.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }
}
