// chatkit: the SDK for Android apps. Holds the UniFFI-generated Kotlin (src/main/uniffi)
// and the native library per ABI (src/main/jniLibs/<abi>/libchat_ffi.so), both written
// by scripts/build-android.sh, plus the hand-written wrappers in src/main/kotlin.
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
}

android {
    namespace = "com.example.chat.kit"
    compileSdk = 35

    defaultConfig {
        minSdk = 26
        consumerProguardFiles("consumer-rules.pro")
    }

    sourceSets {
        getByName("main") {
            kotlin.srcDirs("src/main/kotlin", "src/main/uniffi")
            jniLibs.srcDirs("src/main/jniLibs")
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

dependencies {
    // UniFFI's Kotlin calls the library through JNA; the AAR carries JNA's own
    // native part for every Android ABI.
    api(libs.jna) {
        artifact { type = "aar" }
    }
    api(libs.kotlinx.coroutines.android)
}
