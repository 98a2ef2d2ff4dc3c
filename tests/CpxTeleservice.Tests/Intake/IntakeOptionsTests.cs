using CpxTeleservice.Intake;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Intake;

/// <summary>The intake and gRPC settings: a bad value is named by its key, so that the start stops with it.</summary>
public class IntakeOptionsTests
{
    private static IntakeSource Source(Action<IntakeSource>? change = null)
    {
        var source = new IntakeSource { IdNatStruct = "2775672272", Name = "ORDRE", Kind = IntakeKind.Ordre, Certificates = ["CN=INTAKE"] };
        change?.Invoke(source);
        return source;
    }

    [Fact]
    public void Usable_settings_have_no_error()
    {
        Assert.Empty(new IntakeOptions { Sources = [Source(), Source(s => { s.IdNatStruct = "1"; s.Kind = IntakeKind.Ars; s.Departements = ["13"]; })] }.Errors());
        Assert.Empty(new GrpcOptions().Errors());
    }

    [Theory]
    [InlineData("no-certificate", "Intake__Sources__0__Certificates__0")]
    [InlineData("bad-certificate", "Intake__Sources__0__Certificates__1")]
    [InlineData("no-name", "Intake__Sources__0__Name")]
    [InlineData("ars-without-departements", "Intake__Sources__0")]
    [InlineData("twice", "Intake__Sources__1__IdNatStruct")]
    [InlineData("batch-size", "Intake__BatchSize")]
    [InlineData("batch-delay", "Intake__BatchDelayMilliseconds")]
    public void Each_bad_intake_setting_is_named_by_its_key(string fault, string key)
    {
        var options = new IntakeOptions { Sources = [Source()] };
        switch (fault)
        {
            case "no-certificate": options.Sources[0].Certificates.Clear(); break;
            case "bad-certificate": options.Sources[0].Certificates.Add("serial=XYZ"); break;
            case "no-name": options.Sources[0].Name = ""; break;
            case "ars-without-departements": options.Sources[0].Kind = IntakeKind.Ars; break;
            case "twice": options.Sources.Add(Source()); break;
            case "batch-size": options.BatchSize = 0; break;
            case "batch-delay": options.BatchDelayMilliseconds = 0; break;
        }

        Assert.Contains(options.Errors(), e => e.StartsWith(key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Service_does_not_start_with_a_bad_intake_setting_and_says_which_key()
    {
        var host = new ServiceHost()
            .With("Intake:Sources:0:IdNatStruct", "2775672272")
            .With("Intake:Sources:0:Kind", "ordre")
            .With("Intake:Sources:0:Name", "ORDRE SANS CERTIFICAT");
        try
        {
            var failure = await Assert.ThrowsAnyAsync<Exception>(() => ((IAsyncLifetime)host).InitializeAsync());
            Assert.Contains("Intake__Sources__0__Certificates__0", failure.ToString());
        }
        finally
        {
            await ((IAsyncLifetime)host).DisposeAsync();
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100 * 1024 * 1024)]
    public void Receive_limit_out_of_bounds_is_named_by_its_key(int size)
    {
        Assert.StartsWith("Grpc__MaxReceiveMessageSize", Assert.Single(new GrpcOptions { MaxReceiveMessageSize = size }.Errors()));
    }

    [Theory]
    [InlineData("CN=INTAKE ORDRE", false, "INTAKE ORDRE")]
    [InlineData("cn = INTAKE ORDRE ", false, "INTAKE ORDRE")]
    [InlineData("serial=00:1A:2b", true, "1A2B")]
    [InlineData("serial=001a2b", true, "1A2B")]
    public void Certificate_selector_reads_a_CN_or_a_serial(string entry, bool bySerial, string value)
    {
        Assert.True(CertificateSelector.TryParse(entry, out var selector));
        Assert.Equal(new CertificateSelector(bySerial, value), selector);
    }

    [Theory]
    [InlineData("INTAKE ORDRE")]
    [InlineData("O=ORDRE")]
    [InlineData("serial=")]
    [InlineData("serial=12G4")]
    [InlineData("CN=")]
    public void Certificate_selector_refuses_anything_else(string entry)
    {
        Assert.False(CertificateSelector.TryParse(entry, out _));
    }
}
