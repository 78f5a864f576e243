# Removes every file the last `cmake --install` wrote, as listed in
# install_manifest.txt (the same as `xargs rm < install_manifest.txt`).
if(NOT EXISTS install_manifest.txt)
  message(FATAL_ERROR "install_manifest.txt not found: nothing was installed from this build folder")
endif()
file(STRINGS install_manifest.txt files)
foreach(f ${files})
  if(EXISTS "$ENV{DESTDIR}${f}" OR IS_SYMLINK "$ENV{DESTDIR}${f}")
    message(STATUS "Removing $ENV{DESTDIR}${f}")
    file(REMOVE "$ENV{DESTDIR}${f}")
  endif()
endforeach()
