package dev.weft.core.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Generates the CRDs from the API types and fails when the checked-in {@code crds/} differs.
 * To accept a change of the types: {@code ./mvnw -pl core test -Dtest=CrdsUpToDateTest -Dweft.crds.update=true}.
 */
class CrdsUpToDateTest {
    private static final Path CRDS = Path.of("..", "crds");
    private static final List<Class<? extends HasMetadata>> TYPES = List.of(OverlayNetwork.class, SubnetLease.class);

    @Test
    void checkedInCrdsMatchTheApiTypes() throws IOException {
        Path generated = Path.of("target", "crds");
        Files.createDirectories(generated);
        new CRDGenerator()
            .customResourceClasses(TYPES)
            .forCRDVersions("v1")
            .withPostProcessor(new PrinterColumnsInDeclaredOrder())
            .inOutputDir(generated.toFile())
            .generate();
        boolean update = Boolean.getBoolean("weft.crds.update");
        for (Class<? extends HasMetadata> type : TYPES) {
            String crdName = HasMetadata.getPlural(type) + "." + HasMetadata.getGroup(type);
            Path produced = generated.resolve(CRDGenerator.getOutputName(crdName, "v1") + ".yml");
            Path checkedIn = CRDS.resolve(crdName + ".yaml");
            String expected = Files.readString(produced);
            if (update) {
                Files.writeString(checkedIn, expected);
            }
            assertTrue(Files.exists(checkedIn), checkedIn + " is missing; run with -Dweft.crds.update=true");
            assertEquals(expected, Files.readString(checkedIn), checkedIn.normalize()
                + " differs from what the build generates from " + type.getName()
                + " (" + produced + "); run ./mvnw -pl core test -Dtest=CrdsUpToDateTest -Dweft.crds.update=true");
        }
    }

    /** The generator sorts printer columns by JSON path; kubectl shows them in list order, so restore ours. */
    static final class PrinterColumnsInDeclaredOrder implements CRDPostProcessor {
        @Override
        public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
            var definition = (CustomResourceDefinition) crd;
            Class<?> type = TYPES.stream()
                .filter(t -> HasMetadata.getKind(t).equals(definition.getSpec().getNames().getKind()))
                .findFirst().orElseThrow();
            List<String> order = Arrays.stream(type.getAnnotationsByType(AdditionalPrinterColumn.class))
                .map(AdditionalPrinterColumn::jsonPath).toList();
            for (var version : definition.getSpec().getVersions()) {
                List<CustomResourceColumnDefinition> columns = new ArrayList<>(version.getAdditionalPrinterColumns());
                columns.sort(Comparator.comparingInt(c -> order.indexOf(c.getJsonPath())));
                version.setAdditionalPrinterColumns(columns);
            }
            return crd;
        }
    }
}
