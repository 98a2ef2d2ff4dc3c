using System.Net;
using System.Net.Http.Json;
using System.Text;
using CpxTeleservice.Authorization;
using CpxTeleservice.DevPki;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;
using CpxTeleservice.Security;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CpxTeleservice.Tests.Structures;

/// <summary>Rule 1 of a structure's orders, the contract (seed 004 §2): its documents, typed from their bytes and size-limited, attached by the legal representative, read back by them and operators; approval once both are there, once.</summary>
public class ContractTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private readonly World _world = new(host);

    [Fact]
    public async Task Rule1_contract_is_approved_only_with_both_documents()
    {
        var structure = await _world.StructureAsync(approve: false);
        await HttpAssert.JsonAsync(await World.UploadAsync(structure.LegalRepresentativeClient, structure.StructureId, "act-of-nomination", World.Pdf), HttpStatusCode.Created);
        await HttpAssert.ProblemAsync(await _world.Operator.PostAsync($"/api/v1/admin/structures/{structure.StructureId}/contract/approval", null),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.ContractDocumentsMissing);
    }

    [Theory]
    [InlineData("text.pdf", "plain text pretending to be a PDF")]
    [InlineData("photo.jpg", "GIF89a not a jpeg")]
    public async Task Rule1_contract_documents_are_typed_from_their_bytes_not_their_name(string fileName, string content)
    {
        var structure = await _world.StructureAsync(approve: false);
        await HttpAssert.ProblemAsync(await World.UploadAsync(structure.LegalRepresentativeClient, structure.StructureId, "identity-document", System.Text.Encoding.ASCII.GetBytes(content), fileName),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.DocumentTypeNotAllowed);
    }

    [Fact]
    public async Task Rule1_contract_documents_are_size_limited()
    {
        var structure = await _world.StructureAsync(approve: false);
        var large = new byte[6 * 1024 * 1024];
        World.Pdf.CopyTo(large, 0);
        await HttpAssert.ProblemAsync(await World.UploadAsync(structure.LegalRepresentativeClient, structure.StructureId, "act-of-nomination", large),
            HttpStatusCode.RequestEntityTooLarge, ProblemTypes.DocumentTooLarge);
    }

    [Fact]
    public async Task Rule1_only_the_legal_representative_attaches_the_documents()
    {
        var structure = await _world.StructureAsync(approve: false);
        var staff = Registry.NewStaffCard(structure.Finess);
        await _world.RegisterCardAsync(staff, "CPE", structure.StructureId);
        using var client = host.CreateClient(staff);
        await HttpAssert.ProblemAsync(await World.UploadAsync(client, structure.StructureId, "act-of-nomination", World.Pdf), HttpStatusCode.Forbidden, ProblemTypes.LegalRepresentativeOnly);
    }

    [Fact]
    public async Task An_active_contract_is_approved_once_and_its_documents_no_longer_change()
    {
        var structure = await _world.StructureAsync();
        await HttpAssert.ProblemAsync(await _world.Operator.PostAsync($"/api/v1/admin/structures/{structure.StructureId}/contract/approval", null),
            HttpStatusCode.Conflict, ProblemTypes.ContractAlreadyActive);
        await HttpAssert.ProblemAsync(await World.UploadAsync(structure.LegalRepresentativeClient, structure.StructureId, "identity-document", World.Pdf),
            HttpStatusCode.Conflict, ProblemTypes.ContractAlreadyActive);
    }

    [Fact]
    public async Task Contract_documents_are_read_back_as_uploaded_by_the_legal_representative_and_operators_only()
    {
        var structure = await _world.StructureAsync(approve: false);
        using var upload = await World.UploadAsync(structure.LegalRepresentativeClient, structure.StructureId, "identity-document", World.Png, "cni.png");
        var location = upload.Headers.Location!.ToString();
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);

        using var asRepresentative = await structure.LegalRepresentativeClient.GetAsync(location);
        Assert.Equal("image/png", asRepresentative.Content.Headers.ContentType?.MediaType);
        Assert.Equal(World.Png, await asRepresentative.Content.ReadAsByteArrayAsync());
        using var asOperator = await _world.Operator.GetAsync(location);
        Assert.Equal(HttpStatusCode.OK, asOperator.StatusCode);

        await HttpAssert.JsonAsync(await World.UploadAsync(structure.LegalRepresentativeClient, structure.StructureId, "act-of-nomination", World.Pdf), HttpStatusCode.Created);
        await HttpAssert.JsonAsync(await _world.ApproveAsync(structure.StructureId));
        var (_, mandataire) = await _world.MandataireAsync(structure);
        await HttpAssert.ProblemAsync(await mandataire.GetAsync(location), HttpStatusCode.Forbidden, ProblemTypes.LegalRepresentativeOnly);
        var other = await _world.StructureAsync(approve: false);
        await HttpAssert.ProblemAsync(await other.LegalRepresentativeClient.GetAsync(location), HttpStatusCode.Forbidden, ProblemTypes.LegalRepresentativeOnly);
    }

    [Fact]
    public async Task Approval_binds_the_reviewed_documents_and_a_document_replaced_since_the_review_is_a_409()
    {
        var structure = await _world.StructureAsync(approve: false);
        var act = (await HttpAssert.JsonAsync(await World.UploadAsync(structure.LegalRepresentativeClient, structure.StructureId, "act-of-nomination", World.Pdf),
            HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var identity = (await HttpAssert.JsonAsync(await World.UploadAsync(structure.LegalRepresentativeClient, structure.StructureId, "identity-document", World.Png),
            HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var approval = $"/api/v1/admin/structures/{structure.StructureId}/contract/approval";

        // The operator reviewed act and identity; meanwhile the identity document is replaced.
        var replaced = (await HttpAssert.JsonAsync(await World.UploadAsync(structure.LegalRepresentativeClient, structure.StructureId, "identity-document", World.Pdf),
            HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var changed = await HttpAssert.ProblemAsync(await _world.Operator.PostAsJsonAsync(approval, new { documentIds = new[] { act, identity } }),
            HttpStatusCode.Conflict, ProblemTypes.ContractDocumentsChanged);
        Assert.Contains(replaced.ToString(), changed.GetProperty("detail").GetString());
        await HttpAssert.ProblemAsync(await _world.Operator.PostAsJsonAsync(approval, new { documentIds = new[] { act } }),
            HttpStatusCode.Conflict, ProblemTypes.ContractDocumentsChanged);
        var missing = await HttpAssert.ProblemAsync(await _world.Operator.PostAsync(approval, null), HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
        Assert.True(missing.GetProperty("errors").TryGetProperty("documentIds", out _));
        var still = await HttpAssert.JsonAsync(await _world.Operator.GetAsync($"/api/v1/structures/{structure.StructureId}"));
        Assert.Equal("awaiting-approval", still.GetProperty("contract").GetProperty("state").GetString());

        var approved = await HttpAssert.JsonAsync(await _world.Operator.PostAsJsonAsync(approval, new { documentIds = new[] { replaced, act } }));
        Assert.Equal("active", approved.GetProperty("contract").GetProperty("state").GetString());
    }
}
