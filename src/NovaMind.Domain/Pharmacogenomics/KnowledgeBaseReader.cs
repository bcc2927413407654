using System.Text.Json;

namespace NovaMind.Domain.Pharmacogenomics;

/// <summary>Reads and checks the JSON data files; any inconsistency is an <see cref="InvalidDataException"/> naming the file and entry.</summary>
internal static class KnowledgeBaseReader
{
    public delegate PgxKnowledgeBase Factory(
        string version, string description, string cpicDataAsOf,
        IReadOnlyList<KnowledgeSource> sources, IReadOnlyList<GeneDefinition> genes,
        IReadOnlyList<GuidelineDrug> drugs, IReadOnlyList<RecommendationRule> rules,
        IReadOnlyList<EnzymeInhibitor> inhibitors, IReadOnlyList<DrugWithoutGuideline> drugsWithoutGuideline);

    public static PgxKnowledgeBase Read(Func<string, Stream?> openFile, Factory create)
    {
        var manifest = ReadJson<ManifestDto>(openFile, PgxKnowledgeBase.ManifestFile);
        var m = PgxKnowledgeBase.ManifestFile;
        var version = Required(manifest.Version, m, "version");
        var description = Required(manifest.Description, m, "description");
        var asOf = Required(manifest.CpicDataAsOf, m, "cpicDataAsOf");
        var files = manifest.Files ?? throw Invalid(m, "files is required");

        var sourcesFile = Required(files.Sources, m, "files.sources");
        var sources = ReadSources(ReadJson<SourcesDto>(openFile, sourcesFile), sourcesFile);
        var byId = sources.ToDictionary(s => s.Id, StringComparer.Ordinal);
        KnowledgeSource Src(string? id, string file, string where) =>
            id is not null && byId.TryGetValue(id, out var s) ? s : throw Invalid(file, $"{where}: source '{id}' is not in {sourcesFile}");

        var genes = new List<GeneDefinition>();
        foreach (var file in files.Genes ?? throw Invalid(m, "files.genes is required"))
            genes.Add(ReadGene(ReadJson<GeneDto>(openFile, file), file, Src));
        Unique(genes.Select(g => g.Name), m, "gene");
        var geneNames = genes.ToDictionary(g => g.Name, StringComparer.Ordinal);

        var drugs = new List<GuidelineDrug>();
        var rules = new List<RecommendationRule>();
        foreach (var file in files.Guidelines ?? throw Invalid(m, "files.guidelines is required"))
            ReadGuideline(ReadJson<GuidelineDto>(openFile, file), file, Src, geneNames, drugs, rules);
        Unique(drugs.Select(d => d.Name), m, "guideline drug");

        var phenoFile = Required(files.Phenoconversion, m, "files.phenoconversion");
        var inhibitors = ReadPhenoconversion(ReadJson<PhenoconversionDto>(openFile, phenoFile), phenoFile, Src, geneNames);

        var otherFile = Required(files.DrugsWithoutGuideline, m, "files.drugsWithoutGuideline");
        var others = ReadDrugsWithoutGuideline(ReadJson<DrugsWithoutGuidelineDto>(openFile, otherFile), otherFile, Src, drugs);

        return create(version, description, asOf, sources, genes, drugs, rules, inhibitors, others);
    }

    private static List<KnowledgeSource> ReadSources(SourcesDto dto, string file)
    {
        var list = new List<KnowledgeSource>();
        foreach (var (s, i) in (dto.Sources ?? throw Invalid(file, "sources is required")).Select((s, i) => (s, i)))
        {
            var where = $"sources[{i}]";
            list.Add(new KnowledgeSource(
                Required(s.Id, file, where + ".id"),
                Required(s.Title, file, where + ".title"),
                Required(s.Guideline, file, where + ".guideline"),
                Required(s.Published, file, where + ".published"),
                Required(s.Version, file, where + ".version"),
                Required(s.Url, file, where + ".url")));
        }
        Unique(list.Select(s => s.Id), file, "source id");
        return list;
    }

    private static GeneDefinition ReadGene(GeneDto dto, string file, Func<string?, string, string, KnowledgeSource> src)
    {
        var name = Required(dto.Gene, file, "gene");
        var kind = dto.Kind switch
        {
            "activityScore" => GeneKind.ActivityScore,
            "functionPair" => GeneKind.FunctionPair,
            "carrier" => GeneKind.Carrier,
            _ => throw Invalid(file, $"kind '{dto.Kind}' is not activityScore, functionPair or carrier"),
        };
        var geneSource = src(dto.Source, file, "gene");

        var alleles = new List<AlleleDefinition>();
        foreach (var (a, i) in (dto.Alleles ?? []).Select((a, i) => (a, i)))
        {
            var where = $"alleles[{i}]";
            var allele = Required(a.Name, file, where + ".name");
            if (!DiplotypeParser.IsStarAllele(allele)) throw Invalid(file, $"{where}: '{allele}' is not a star allele name like *1");
            if (!CpicTerms.TryParseAlleleFunction(a.Function, out var function))
                throw Invalid(file, $"{where} ({allele}): function '{a.Function}' is not a CPIC allele function");
            if (kind == GeneKind.ActivityScore && function.IsDeterminate() != a.ActivityValue.HasValue)
                throw Invalid(file, $"{where} ({allele}): an activity value is required exactly when the function is determinate");
            if (a.ActivityValue is < 0) throw Invalid(file, $"{where} ({allele}): activity value must not be negative");
            if (kind != GeneKind.ActivityScore && a.ActivityValue.HasValue) throw Invalid(file, $"{where} ({allele}): only activity-score genes carry activity values");
            alleles.Add(new AlleleDefinition(name, allele, function, a.ActivityValue, src(a.Source, file, where)));
        }
        Unique(alleles.Select(a => a.Name), file, "allele");

        var bands = new List<PhenotypeBand>();
        foreach (var (b, i) in (dto.PhenotypeBands ?? []).Select((b, i) => (b, i)))
        {
            var where = $"phenotypeBands[{i}]";
            bands.Add(new PhenotypeBand(Phenotype(b.Phenotype, file, where), Range(b.ActivityScore, file, where), src(b.Source, file, where)));
        }

        var indeterminate = new List<AlleleFunction>();
        foreach (var term in dto.IndeterminateWhenAnyAlleleIs ?? [])
        {
            if (!CpicTerms.TryParseAlleleFunction(term, out var f)) throw Invalid(file, $"indeterminateWhenAnyAlleleIs: '{term}' is not a CPIC allele function");
            indeterminate.Add(f);
        }

        var pairs = new List<FunctionPairRule>();
        foreach (var (r, i) in (dto.PhenotypeRules ?? []).Select((r, i) => (r, i)))
        {
            var where = $"phenotypeRules[{i}]";
            if (r.Functions is not { Count: 2 }) throw Invalid(file, $"{where}: functions must name two allele functions");
            if (!CpicTerms.TryParseAlleleFunction(r.Functions[0], out var f1) || !CpicTerms.TryParseAlleleFunction(r.Functions[1], out var f2))
                throw Invalid(file, $"{where}: '{string.Join("', '", r.Functions)}' are not CPIC allele functions");
            pairs.Add(new FunctionPairRule(f1, f2, Phenotype(r.Phenotype, file, where), src(r.Source, file, where)));
        }

        var carrier = new List<CarrierResult>();
        foreach (var (r, i) in (dto.Results ?? []).Select((r, i) => (r, i)))
        {
            var where = $"results[{i}]";
            carrier.Add(new CarrierResult(Required(r.Value, file, where + ".value").ToLowerInvariant(), Phenotype(r.Phenotype, file, where), src(r.Source, file, where)));
        }

        switch (kind)
        {
            case GeneKind.ActivityScore when alleles.Count == 0 || bands.Count == 0:
                throw Invalid(file, "an activity-score gene needs alleles and phenotypeBands");
            case GeneKind.FunctionPair when alleles.Count == 0 || pairs.Count == 0:
                throw Invalid(file, "a function-pair gene needs alleles and phenotypeRules");
            case GeneKind.Carrier when carrier.Count == 0 || alleles.Count > 0:
                throw Invalid(file, "a carrier gene needs results and no alleles");
        }
        if (dto.CopyNumberSuffix && kind != GeneKind.ActivityScore)
            throw Invalid(file, "copy-number suffixes only make sense for an activity-score gene");

        return new GeneDefinition(name, kind, dto.CopyNumberSuffix, geneSource, alleles, bands, pairs, carrier, indeterminate);
    }

    private static void ReadGuideline(
        GuidelineDto dto, string file, Func<string?, string, string, KnowledgeSource> src,
        IReadOnlyDictionary<string, GeneDefinition> genes, List<GuidelineDrug> drugs, List<RecommendationRule> rules)
    {
        var guideline = src(dto.Guideline, file, "guideline");
        var local = new Dictionary<string, GuidelineDrug>(StringComparer.Ordinal);
        foreach (var (d, i) in (dto.Drugs ?? throw Invalid(file, "drugs is required")).Select((d, i) => (d, i)))
        {
            var where = $"drugs[{i}]";
            var name = Required(d.Name, file, where + ".name");
            if (name != DrugCatalogue.Normalize(name)) throw Invalid(file, $"{where}: drug names are lowercase generic names ('{name}')");
            var drugGenes = d.Genes is { Count: > 0 } g ? g : throw Invalid(file, $"{where} ({name}): genes is required");
            foreach (var gene in drugGenes)
                if (!genes.ContainsKey(gene)) throw Invalid(file, $"{where} ({name}): gene '{gene}' is not in the knowledge base");
            var populations = d.Populations is { Count: > 0 } p ? p : throw Invalid(file, $"{where} ({name}): populations is required");
            var defaultPopulation = Required(d.DefaultPopulation, file, where + ".defaultPopulation");
            if (!populations.Contains(defaultPopulation)) throw Invalid(file, $"{where} ({name}): defaultPopulation is not one of its populations");
            var drug = new GuidelineDrug(name, drugGenes.ToList(), src(d.Source, file, where), defaultPopulation, populations.ToList());
            local.Add(name, drug);
            drugs.Add(drug);
        }

        foreach (var (r, i) in (dto.Rules ?? throw Invalid(file, "rules is required")).Select((r, i) => (r, i)))
        {
            var where = $"rules[{i}]";
            var ruleDrugs = r.Drugs is { Count: > 0 } rd ? rd.ToList() : throw Invalid(file, $"{where}: drugs is required");
            var population = Required(r.Population, file, where + ".population");
            var when = r.When ?? throw Invalid(file, $"{where}: when is required");
            foreach (var name in ruleDrugs)
            {
                if (!local.TryGetValue(name, out var drug)) throw Invalid(file, $"{where}: drug '{name}' is not listed in this guideline's drugs");
                if (!drug.Populations.Contains(population)) throw Invalid(file, $"{where}: population '{population}' is not one of {name}'s populations");
                if (!drug.Genes.Order(StringComparer.Ordinal).SequenceEqual(when.Keys.Order(StringComparer.Ordinal), StringComparer.Ordinal))
                    throw Invalid(file, $"{where}: conditions must name exactly {name}'s genes ({string.Join(", ", drug.Genes)})");
            }
            var conditions = new Dictionary<string, GeneCondition>(StringComparer.Ordinal);
            foreach (var (gene, c) in when)
            {
                var at = $"{where}.when.{gene}";
                if (c.NoResult)
                {
                    if (c.Phenotypes is { Count: > 0 } || c.ActivityScore is not null) throw Invalid(file, $"{at}: noResult excludes phenotypes and activityScore");
                    conditions.Add(gene, new GeneCondition(true, [], null));
                    continue;
                }
                var phenotypes = (c.Phenotypes is { Count: > 0 } ps ? ps : throw Invalid(file, $"{at}: phenotypes or noResult is required"))
                    .Select(ph => Phenotype(ph, file, at)).ToList();
                var range = c.ActivityScore is null ? null : Range(c.ActivityScore, file, at);
                if (range is not null && genes[gene].Kind != GeneKind.ActivityScore) throw Invalid(file, $"{at}: {gene} has no activity score");
                conditions.Add(gene, new GeneCondition(false, phenotypes, range));
            }
            if (!CpicTerms.TryParseStrength(r.Strength, out var strength))
                throw Invalid(file, $"{where}: strength '{r.Strength}' is not Strong, Moderate, Optional or No recommendation");
            if (!GuidelineCategories.TryParse(r.Category, out var category))
                throw Invalid(file, $"{where}: category '{r.Category}' is not one of {string.Join(", ", GuidelineCategories.All.Select(c => c.ToName()))}");
            if (r.CategoryReason is not null && string.IsNullOrWhiteSpace(r.CategoryReason))
                throw Invalid(file, $"{where}: categoryReason is empty; leave it out or say why");
            rules.Add(new RecommendationRule(
                $"{guideline.Id}/r{i + 1:000}", ruleDrugs, population, conditions,
                Required(r.Action, file, where + ".action"), strength, category, r.CategoryReason, Required(r.Text, file, where + ".text"),
                src(r.Source, file, where)));
        }
    }

    private static List<EnzymeInhibitor> ReadPhenoconversion(
        PhenoconversionDto dto, string file, Func<string?, string, string, KnowledgeSource> src, IReadOnlyDictionary<string, GeneDefinition> genes)
    {
        var gene = Required(dto.Gene, file, "gene");
        if (!genes.TryGetValue(gene, out var g) || g.Kind != GeneKind.ActivityScore)
            throw Invalid(file, $"gene '{gene}' is not an activity-score gene of the knowledge base");
        src(dto.Source, file, "phenoconversion");
        var factors = new Dictionary<InhibitorStrength, (decimal Factor, KnowledgeSource Source)>();
        foreach (var (f, i) in (dto.Factors ?? throw Invalid(file, "factors is required")).Select((f, i) => (f, i)))
        {
            if (!Enum.TryParse<InhibitorStrength>(f.Strength, ignoreCase: false, out var strength) || !Enum.IsDefined(strength))
                throw Invalid(file, $"factors[{i}]: strength '{f.Strength}' is not Strong or Moderate");
            if (f.ActivityScoreFactor is not (>= 0 and <= 1) ) throw Invalid(file, $"factors[{i}]: activityScoreFactor must be within 0..1");
            factors[strength] = (f.ActivityScoreFactor, src(f.Source, file, $"factors[{i}]"));
        }
        var list = new List<EnzymeInhibitor>();
        foreach (var (x, i) in (dto.Inhibitors ?? throw Invalid(file, "inhibitors is required")).Select((x, i) => (x, i)))
        {
            var where = $"inhibitors[{i}]";
            var drug = Required(x.Drug, file, where + ".drug");
            if (drug != DrugCatalogue.Normalize(drug)) throw Invalid(file, $"{where}: drug names are lowercase generic names ('{drug}')");
            if (!Enum.TryParse<InhibitorStrength>(x.Strength, ignoreCase: false, out var strength) || !factors.TryGetValue(strength, out var factor))
                throw Invalid(file, $"{where} ({drug}): strength '{x.Strength}' has no factor");
            list.Add(new EnzymeInhibitor(drug, gene, strength, factor.Factor, src(x.Source, file, where), factor.Source));
        }
        Unique(list.Select(x => x.Drug), file, "inhibitor");
        return list;
    }

    private static List<DrugWithoutGuideline> ReadDrugsWithoutGuideline(
        DrugsWithoutGuidelineDto dto, string file, Func<string?, string, string, KnowledgeSource> src, IReadOnlyList<GuidelineDrug> guidelineDrugs)
    {
        src(dto.Source, file, "drugsWithoutGuideline");
        var list = new List<DrugWithoutGuideline>();
        foreach (var (d, i) in (dto.Drugs ?? throw Invalid(file, "drugs is required")).Select((d, i) => (d, i)))
        {
            var where = $"drugs[{i}]";
            var name = Required(d.Name, file, where + ".name");
            if (name != DrugCatalogue.Normalize(name)) throw Invalid(file, $"{where}: drug names are lowercase generic names ('{name}')");
            if (guidelineDrugs.Any(g => g.Name == name)) throw Invalid(file, $"{where}: {name} has a CPIC recommendation table, so it cannot be listed as without one");
            list.Add(new DrugWithoutGuideline(name, Required(d.DrugClass, file, where + ".drugClass"), src(d.Source, file, where)));
        }
        Unique(list.Select(x => x.Name), file, "drug");
        return list;
    }

    private static MetabolizerPhenotype Phenotype(string? term, string file, string where) =>
        CpicTerms.TryParsePhenotype(term, out var p) ? p : throw Invalid(file, $"{where}: phenotype '{term}' is not a CPIC phenotype term");

    private static ActivityScoreRange Range(RangeDto? dto, string file, string where)
    {
        if (dto is null || (dto.Min is null && dto.Max is null)) throw Invalid(file, $"{where}: activityScore needs min or max");
        if (dto.Min is { } min && dto.Max is { } max && (min > max || (min == max && (dto.MinExclusive || dto.MaxExclusive))))
            throw Invalid(file, $"{where}: activityScore range is empty");
        return new ActivityScoreRange(dto.Min, dto.MinExclusive, dto.Max, dto.MaxExclusive);
    }

    private static T ReadJson<T>(Func<string, Stream?> openFile, string file) where T : class
    {
        using var stream = openFile(file) ?? throw Invalid(file, "file not found");
        try
        {
            return JsonSerializer.Deserialize<T>(stream, PgxKnowledgeBase.JsonOptions) ?? throw Invalid(file, "file is empty");
        }
        catch (JsonException e)
        {
            throw Invalid(file, "not valid JSON for this file: " + e.Message);
        }
    }

    private static string Required(string? value, string file, string where) =>
        string.IsNullOrWhiteSpace(value) ? throw Invalid(file, $"{where} is required") : value;

    private static void Unique(IEnumerable<string> values, string file, string what)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var v in values)
            if (!seen.Add(v)) throw Invalid(file, $"{what} '{v}' appears more than once");
    }

    private static InvalidDataException Invalid(string file, string message) => new($"pgx knowledge base, {file}: {message}");

    // ---- JSON shapes (internal; the public model is built from these) ----

    private sealed class ManifestDto
    {
        public string? Version { get; set; }
        public string? Description { get; set; }
        public string? CpicDataAsOf { get; set; }
        public FilesDto? Files { get; set; }
    }

    private sealed class FilesDto
    {
        public string? Sources { get; set; }
        public List<string>? Genes { get; set; }
        public List<string>? Guidelines { get; set; }
        public string? Phenoconversion { get; set; }
        public string? DrugsWithoutGuideline { get; set; }
    }

    private sealed class SourcesDto
    {
        public List<SourceDto>? Sources { get; set; }
    }

    private sealed class SourceDto
    {
        public string? Id { get; set; }
        public string? Title { get; set; }
        public string? Guideline { get; set; }
        public string? Published { get; set; }
        public string? Version { get; set; }
        public string? Url { get; set; }
    }

    private sealed class GeneDto
    {
        public string? Gene { get; set; }
        public string? Kind { get; set; }
        public bool CopyNumberSuffix { get; set; }
        public string? Source { get; set; }
        public List<string>? IndeterminateWhenAnyAlleleIs { get; set; }
        public List<BandDto>? PhenotypeBands { get; set; }
        public List<PairRuleDto>? PhenotypeRules { get; set; }
        public List<CarrierDto>? Results { get; set; }
        public List<AlleleDto>? Alleles { get; set; }
    }

    private sealed class AlleleDto
    {
        public string? Name { get; set; }
        public string? Function { get; set; }
        public decimal? ActivityValue { get; set; }
        public string? Source { get; set; }
    }

    private sealed class BandDto
    {
        public string? Phenotype { get; set; }
        public RangeDto? ActivityScore { get; set; }
        public string? Source { get; set; }
    }

    private sealed class RangeDto
    {
        public decimal? Min { get; set; }
        public bool MinExclusive { get; set; }
        public decimal? Max { get; set; }
        public bool MaxExclusive { get; set; }
    }

    private sealed class PairRuleDto
    {
        public List<string>? Functions { get; set; }
        public string? Phenotype { get; set; }
        public string? Source { get; set; }
    }

    private sealed class CarrierDto
    {
        public string? Value { get; set; }
        public string? Phenotype { get; set; }
        public string? Source { get; set; }
    }

    private sealed class GuidelineDto
    {
        public string? Guideline { get; set; }
        public List<DrugDto>? Drugs { get; set; }
        public List<RuleDto>? Rules { get; set; }
    }

    private sealed class DrugDto
    {
        public string? Name { get; set; }
        public List<string>? Genes { get; set; }
        public string? Source { get; set; }
        public string? DefaultPopulation { get; set; }
        public List<string>? Populations { get; set; }
    }

    private sealed class RuleDto
    {
        public List<string>? Drugs { get; set; }
        public string? Population { get; set; }
        public Dictionary<string, ConditionDto>? When { get; set; }
        public string? Action { get; set; }
        public string? Strength { get; set; }
        public string? Category { get; set; }
        public string? CategoryReason { get; set; }
        public string? Text { get; set; }
        public string? Source { get; set; }
    }

    private sealed class ConditionDto
    {
        public bool NoResult { get; set; }
        public List<string>? Phenotypes { get; set; }
        public RangeDto? ActivityScore { get; set; }
    }

    private sealed class DrugsWithoutGuidelineDto
    {
        public string? Source { get; set; }
        public List<OtherDrugDto>? Drugs { get; set; }
    }

    private sealed class OtherDrugDto
    {
        public string? Name { get; set; }
        public string? DrugClass { get; set; }
        public string? Source { get; set; }
    }

    private sealed class PhenoconversionDto
    {
        public string? Gene { get; set; }
        public string? Source { get; set; }
        public List<FactorDto>? Factors { get; set; }
        public List<InhibitorDto>? Inhibitors { get; set; }
    }

    private sealed class FactorDto
    {
        public string? Strength { get; set; }
        public decimal ActivityScoreFactor { get; set; }
        public string? Source { get; set; }
    }

    private sealed class InhibitorDto
    {
        public string? Drug { get; set; }
        public string? Strength { get; set; }
        public string? Source { get; set; }
    }
}
