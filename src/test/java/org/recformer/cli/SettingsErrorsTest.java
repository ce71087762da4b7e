package org.recformer.cli;

import org.junit.jupiter.api.Test;
import org.recformer.train.FinetuneSettings;
import org.recformer.train.SettingsException;
import org.recformer.train.bench.BenchShape;
import org.recformer.train.bench.TrainStepBenchmark;
import org.recformer.train.pretrain.PretrainOptions;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every settings field a command fills has an option of the same Java name, so its errors name the flag. */
class SettingsErrorsTest {

    @Test
    void everyFinetuneSettingIsATrainOption() {
        assertAllMapped(new CommandLine(new TrainCommand()).getCommandSpec(), FinetuneSettings.class, Set.of());
    }

    @Test
    void everyPretrainSettingIsAPretrainOption() {
        assertAllMapped(new CommandLine(new PretrainCommand()).getCommandSpec(), PretrainOptions.class, Set.of());
    }

    @Test
    void everyBenchmarkSettingIsABenchOption() {
        CommandSpec trainStep = new CommandLine(new BenchCommand.TrainStep()).getCommandSpec();
        assertAllMapped(trainStep, TrainStepBenchmark.Settings.class, Set.of("shape"));
        assertAllMapped(trainStep, BenchShape.class, Set.of());
        assertAllMapped(new CommandLine(new BenchCommand.Encode()).getCommandSpec(), BenchShape.class, Set.of());
    }

    @Test
    void aFieldBecomesTheLongestNameOfItsOption() {
        CommandSpec train = new CommandLine(new TrainCommand()).getCommandSpec();
        assertEquals("--warmup-steps: must be >= 0, got -1", SettingsErrors.message(train, new SettingsException("warmupSteps", "must be >= 0, got -1")));
        assertEquals("--lr: must be > 0", SettingsErrors.message(train, new SettingsException("learningRate", "must be > 0")));
        assertEquals("stage1Patience: must be >= 1", SettingsErrors.message(new CommandLine(new PretrainCommand()).getCommandSpec(),
                new SettingsException("stage1Patience", "must be >= 1")), "a field no option sets keeps its name");
    }

    private static void assertAllMapped(CommandSpec spec, Class<? extends Record> settings, Set<String> notOptions) {
        List<String> missing = new ArrayList<>();
        for (RecordComponent c : settings.getRecordComponents()) {
            Optional<String> option = SettingsErrors.option(spec, c.getName());
            if (option.isEmpty() != notOptions.contains(c.getName())) missing.add(c.getName());
        }
        assertEquals(List.of(), missing, spec.name() + ": settings fields without an option of the same name (or listed as none)");
    }
}
