#pragma once
namespace kohort {
inline constexpr const char* kVersion = "0.1.0";
}
