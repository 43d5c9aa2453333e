package dev.ember.executor.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.ember.executor.backend.cpu.gemm.OpenBlasCoreCheck;
import dev.ember.executor.backend.cuda.CudaLibraries;
import dev.ember.executor.cache.UserDirs;

/**
 * The executor's packages follow the pipeline and only import leftwards (ir → onnx/ops → passes →
 * backend → cli); the engine never touches Spark; only the CLI reads the process environment (and
 * CudaLibraries, where NVRTC lives, and UserDirs, where the user's private folders are).
 */
@AnalyzeClasses(
    packages = "dev.ember.executor",
    importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  private static final String IR = "dev.ember.executor.ir..";
  private static final String OPS = "dev.ember.executor.ops..";
  private static final String ONNX = "dev.ember.executor.onnx..";
  private static final String PASSES = "dev.ember.executor.passes..";
  private static final String BACKEND = "dev.ember.executor.backend..";
  private static final String CLI = "dev.ember.executor.cli..";
  private static final String SPARK = "org.apache.spark..";

  @ArchTest
  static final ArchRule IR_IS_A_LEAF =
      noClasses()
          .that()
          .resideInAPackage(IR)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(OPS, ONNX, PASSES, BACKEND, CLI, SPARK)
          .because("the IR is the vocabulary every stage shares; it knows no stage");

  @ArchTest
  static final ArchRule OPS_DO_NOT_KNOW_LATER_STAGES =
      noClasses()
          .that()
          .resideInAPackage(OPS)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(ONNX, PASSES, BACKEND, CLI)
          .because("ops see IR values only, whatever format or backend they came from");

  @ArchTest
  static final ArchRule ONNX_DOES_NOT_KNOW_LATER_STAGES =
      noClasses()
          .that()
          .resideInAPackage(ONNX)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(PASSES, BACKEND, CLI)
          .because("the frontend only builds IR");

  @ArchTest
  static final ArchRule PASSES_DO_NOT_KNOW_BACKENDS =
      noClasses()
          .that()
          .resideInAPackage(PASSES)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(BACKEND, CLI)
          .because("passes rewrite graphs for every backend alike");

  @ArchTest
  static final ArchRule ONLY_THE_CLI_KNOWS_THE_CLI =
      noClasses()
          .that()
          .resideOutsideOfPackage(CLI)
          .should()
          .dependOnClassesThat()
          .resideInAPackage(CLI)
          .because("the CLI is the outermost layer");

  @ArchTest
  static final ArchRule NO_SPARK_IN_THE_EXECUTOR =
      noClasses()
          .should()
          .dependOnClassesThat()
          .resideInAPackage(SPARK)
          .because("the executor runs without Spark; Spark glue lives in spark-plugin");

  @ArchTest
  static final ArchRule ONLY_BACKEND_ORT_TOUCHES_ONNX_RUNTIME =
      noClasses()
          .that()
          .resideOutsideOfPackage("dev.ember.executor.backend.ort..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("ai.onnxruntime..")
          .because("ONNX Runtime is an optional jar: its classes must load only when ORT runs a"
              + " model (OrtBackends checks for them first), never where Ember runs it");

  @ArchTest
  static final ArchRule ONLY_THE_CLI_READS_THE_ENVIRONMENT =
      noClasses()
          .that()
          .resideOutsideOfPackage(CLI)
          .and()
          .doNotHaveFullyQualifiedName(CudaLibraries.class.getName())
          .and()
          .doNotHaveFullyQualifiedName(UserDirs.class.getName())
          .and()
          .doNotHaveFullyQualifiedName(OpenBlasCoreCheck.class.getName())
          .should()
          .callMethod(System.class, "getenv")
          .orShould()
          .callMethod(System.class, "getenv", String.class)
          .orShould()
          .callMethod(System.class, "getProperty", String.class)
          .orShould()
          .callMethod(System.class, "getProperty", String.class, String.class)
          .orShould()
          .callMethod(System.class, "getProperties")
          .orShould()
          .callMethod(Boolean.class, "getBoolean", String.class)
          .orShould()
          .callMethod(Integer.class, "getInteger", String.class)
          .orShould()
          .callMethod(Long.class, "getLong", String.class)
          .because(
              "settings come from EmberConf or the CLI's flags, so they are documented "
                  + "and testable; CudaLibraries alone looks up where NVRTC lives, before any "
                  + "configuration exists, as the dynamic loader reads LD_LIBRARY_PATH, and "
                  + "UserDirs where the user's private folders are (XDG_CACHE_HOME, "
                  + "XDG_CONFIG_HOME, the home folder), as every XDG program does; "
                  + "OpenBlasCoreCheck reads OPENBLAS_CORETYPE, no Ember setting but what "
                  + "OpenBLAS itself read, to warn when it pins slow kernels");
}
